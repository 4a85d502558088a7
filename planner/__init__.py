"""planner: fiber extensions (Steiner trees on the road graph) and new mobile sites.

Pure computation on validated layers; built in issue #4; this package holds nothing yet.
"""
