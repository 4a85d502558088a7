"""hatangso: the product built on the libraries — commands, demo, report, review, roles.

The application layer above :mod:`geodata`, :mod:`coverage` and :mod:`planner`, and
below the Streamlit app (:mod:`ui`, ``app.py``): the ``hatangso`` command line
(:mod:`hatangso.cli`), the demo data set (:mod:`hatangso.demo`), the leadership report
(:mod:`hatangso.report`), the operators' review of plans (:mod:`hatangso.review`), roles
and accounts (:mod:`hatangso.access`, :mod:`hatangso.accounts`, :mod:`hatangso.audit`),
indicators over the periods (:mod:`hatangso.progress`) and Vietnamese number formatting
(:mod:`hatangso.formatting`). ``ARCHITECTURE.md`` maps the whole tree.
"""
