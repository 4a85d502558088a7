"""The app's words: every label, message and help text, in Vietnamese (first) and English.

:data:`TEXT` maps a key to its two translations; :func:`ui.i18n.tr` picks one and fills its
``{fields}``. Numbers, dates and layer names are not here but in
:mod:`hatangso.formatting`. Every string is Unicode NFC (a test checks it).
"""

from __future__ import annotations

from ui.texts_mix import MIX_TEXT
from ui.texts_resilience import RESILIENCE_TEXT

__all__ = ["TEXT"]

#: key -> (Vietnamese, English). ``{name}`` fields are filled by :func:`ui.i18n.tr`.
TEXT: dict[str, tuple[str, str]] = {
    # shell
    "app_title": ("Hạ tầng số — Bình Định", "Digital infrastructure — Bình Định"),
    "app_title_of": ("Hạ tầng số — {province}", "Digital infrastructure — {province}"),
    "app_subtitle": (
        "Giám sát vùng phủ và quy hoạch hạ tầng số",
        "Coverage monitor and planner for digital infrastructure",
    ),
    "language": ("Ngôn ngữ", "Language"),
    "page": ("Trang", "Page"),
    "page_overview": ("Tổng quan", "Overview"),
    "page_progress": ("Tiến độ", "Progress"),
    "page_map": ("Bản đồ", "Map"),
    "page_gaps": ("Vùng lõm", "Gaps"),
    "page_evidence": ("Đo kiểm", "Evidence"),
    "ev_no_points": (
        "Kỳ này chưa có số liệu đo kiểm (hoặc không có mẫu nào của nhà mạng bạn).",
        "No measurement in this period (or none of your operator's).",
    ),
    "ev_tech": ("Công nghệ", "Technology"),
    "ev_layer": ("Mẫu đo {tech}", "{tech} samples"),
    "ev_points_all": ("{shown} mẫu đo trên bản đồ.", "{shown} samples on the map."),
    "ev_points_sampled": (
        "{n} mẫu đo; bản đồ vẽ {shown} mẫu chọn ngẫu nhiên (cố định) để trang nhẹ.",
        "{n} samples; the map draws {shown} of them, chosen at random (fixed), to stay light.",
    ),
    "ev_table_title": ("Dự báo và đo kiểm theo thôn", "Predicted against measured per village"),
    "ev_operator": ("Nhà mạng", "Operator"),
    "ev_samples": ("Số mẫu", "Samples"),
    "ev_median": ("RSRP trung vị (dBm)", "Median RSRP (dBm)"),
    "ev_p10": ("RSRP phân vị 10 (dBm)", "10th percentile RSRP (dBm)"),
    "ev_share": ("Tỷ lệ mẫu đạt ngưỡng", "Share at threshold"),
    "ev_class": ("Kết luận", "Class"),
    "ev_complaints": ("Phản ánh đang mở", "Open complaints"),
    "ev_calibration_title": ("Hiệu chỉnh mô hình", "Model calibration"),
    "ev_no_calibration": (
        "Chưa lưu hiệu chỉnh nào trong kỳ này: hatangso calibrate KHO --save TÊN.",
        "No calibration saved in this period: hatangso calibrate STORE --save NAME.",
    ),
    "ev_calibration_caption": (
        (
            "Hiệu chỉnh '{name}': sai số kiểm định chéo theo khối ({folds} phần, mẫu giữ lại "
            "theo cả tuyến đo hoặc ô lưới); sai số = đo kiểm − dự báo."
        ),
        (
            "Calibration '{name}': blocked cross-validation error ({folds} folds, whole drives or "
            "grid blocks held out); error = measured − predicted."
        ),
    ),
    "ev_environment": ("Môi trường", "Environment"),
    "ev_rmse_before": ("RMSE trước (dB)", "RMSE before (dB)"),
    "ev_rmse_after": ("RMSE sau (dB)", "RMSE after (dB)"),
    "ev_me_before": ("Sai số TB trước (dB)", "Mean error before (dB)"),
    "ev_me_after": ("Sai số TB sau (dB)", "Mean error after (dB)"),
    "ev_challenges_title": ("Thách thức", "Challenges"),
    "ev_no_challenges": (
        "Chưa có thách thức nào trong kỳ này (Sở mở bằng: hatangso challenge open KHO).",
        "No challenge in this period (the department opens them: hatangso challenge open STORE).",
    ),
    "ev_challenges_caption": (
        (
            "{open} thách thức chờ nhà mạng trả lời: chấp nhận (thôn tính là vùng lõm của nhà "
            "mạng trong kỳ) hoặc phản bác kèm số liệu đo (hatangso challenge respond)."
        ),
        (
            "{open} challenges await the operator: concede (the village counts as its gap in the "
            "period) or dispute with measurements (hatangso challenge respond)."
        ),
    ),
    "ev_basis": ("Căn cứ", "Grounds"),
    "ev_status": ("Trạng thái", "Status"),
    "ev_status_by": ("Người xử lý", "By"),
    "ev_note": ("Ghi chú", "Note"),
    "page_plans": ("Quy hoạch", "Plans"),
    "page_data": ("Dữ liệu", "Data"),
    "area": ("Địa bàn", "Area"),
    "district": ("Huyện, thị xã, thành phố", "District"),
    "commune": ("Xã, phường, thị trấn", "Commune"),
    "commune_2025": ("Xã, phường", "Commune or ward"),
    "former_districts": ("Theo huyện cũ (địa giới trước 01/07/2025)", "By former district"),
    "layout_choice": ("Địa giới hành chính", "Administrative layout"),
    "layout_option": ("Theo địa giới từ {date}", "Units in force from {date}"),
    "layout_own": ("Mỗi kỳ theo địa giới của kỳ đó", "Each period in its own units"),
    "no_data": ("chưa có dữ liệu", "no data yet"),
    "all_districts": ("Toàn tỉnh", "Whole province"),
    "all_communes": ("Tất cả các xã", "All communes"),
    "dataset_line": (
        "Bộ dữ liệu: **{name}** · số liệu đến ngày **{as_of}**",
        "Data set: **{name}** · figures as of **{as_of}**",
    ),
    "dataset_line_past": (
        (
            "Bộ dữ liệu: **{name}** · số liệu kỳ **{as_of}** (kỳ trước; chọn kỳ khác ở thanh "
            "bên trái)"
        ),
        "Data set: **{name}** · figures of **{as_of}** (an earlier period; choose in the sidebar)",
    ),
    "period": ("Kỳ số liệu", "Period"),
    "period_help": (
        "Các trang hiển thị số liệu của kỳ này (mặc định là kỳ mới nhất).",
        "Every page shows the figures of this period (the latest by default).",
    ),
    "calibration": ("Mô hình dự báo", "Prediction model"),
    "calibration_none": ("Chưa hiệu chỉnh", "Uncalibrated"),
    "calibration_help": (
        (
            "Các số liệu sóng di động được tính bằng mô hình này: chưa hiệu chỉnh, hoặc một "
            "bản hiệu chỉnh theo số liệu đo kiểm của kỳ (lệnh `hatangso calibrate`)."
        ),
        (
            "The mobile figures are computed with this model: uncalibrated, or a calibration "
            "on the period's measurements (`hatangso calibrate`)."
        ),
    ),
    "model_line": ("Mô hình dự báo: {model}.", "Prediction model: {model}."),
    "synthetic_label": (
        "Dữ liệu tổng hợp (minh hoạ, không phải số liệu thực): {layers}.",
        "Synthetic data (illustration, not real figures): {layers}.",
    ),
    "store_missing": (
        (
            "Không mở được kho dữ liệu `{path}`.\n\n{reason}\n\n"
            "Tạo bộ dữ liệu mẫu bằng lệnh `hatangso demo --base ../shared/data --out {path}` "
            "rồi mở lại trang, hoặc chỉ định kho khác: `streamlit run app.py -- --store KHO.gpkg`."
        ),
        (
            "Cannot open the data store `{path}`.\n\n{reason}\n\n"
            "Build the demo with `hatangso demo --base ../shared/data --out {path}` and reload, "
            "or point to another store: `streamlit run app.py -- --store STORE.gpkg`."
        ),
    ),
    "store_no_coverage": (
        "Kho dữ liệu chưa đủ để tính vùng phủ: {reason}",
        "The store does not hold enough to compute coverage: {reason}",
    ),
    "input_error": (
        "Không hiển thị được trang này với dữ liệu hiện có: {reason}",
        "This page cannot be shown with the data at hand: {reason}",
    ),
    "internal_error": (
        (
            "Đã xảy ra lỗi nội bộ ({kind}). Đây là lỗi của phần mềm, không phải của dữ liệu; "
            "vui lòng báo lại cho nhóm phát triển."
        ),
        (
            "An internal error occurred ({kind}). This is a bug in the software, not in the data; "
            "please report it."
        ),
    ),
    "empty_selection": (
        "Không có thôn nào trong địa bàn đang chọn.",
        "There are no villages in the selected area.",
    ),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
    # overview
    "targets_for": ("Chỉ tiêu — {unit}", "Targets — {unit}"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "target": ("Mục tiêu", "Target"),
    "actual": ("Thực tế", "Actual"),
    "reached": ("Đạt được", "Reached"),
    "gap": ("Còn thiếu", "Gap"),
    "assessment": ("Đánh giá", "Assessment"),
    "met": ("Đạt", "Met"),
    "not_met": ("Chưa đạt", "Not met"),
    "reported": ("Theo dõi", "Reported"),
    "vs_target": ("{delta} điểm % so với mục tiêu", "{delta} points vs target"),
    "t_fiber_communes": ("Xã có cáp quang", "Communes with fiber"),
    "t_fiber_villages": ("Thôn có cáp quang", "Villages with fiber"),
    "t_fiber_households": ("Hộ trong vùng cáp quang", "Households within fiber reach"),
    "t_mobile_villages": ("Thôn có sóng 4G", "Villages with 4G"),
    "t_mobile_clusters": ("Cụm dân cư có sóng 4G", "Residential clusters with 4G"),
    "t_5g_priority": ("Địa điểm ưu tiên có 5G", "Priority places with 5G"),
    "u_commune": ("xã", "communes"),
    "u_village": ("thôn", "villages"),
    "u_household": ("hộ", "households"),
    "u_cluster": ("cụm", "clusters"),
    "u_place": ("địa điểm", "places"),
    "key_figures": ("Số liệu chính", "Key figures"),
    "evidence_title": ("Dự báo và đo kiểm", "Predicted against measured"),
    "evidence_caption": (
        (
            "Mỗi thôn, theo nhà mạng và công nghệ: đo kiểm có sóng khi ít nhất {p} số mẫu đạt "
            "ngưỡng ({rule}); đủ số liệu khi có {evidence}. Chi tiết: `hatangso evidence`."
        ),
        (
            "Each village, per operator and technology: measured covered when at least {p} of "
            "the samples reach the threshold ({rule}); enough evidence means {evidence}. "
            "Details: `hatangso evidence`."
        ),
    ),
    "n_communes": ("Xã, phường, thị trấn", "Communes"),
    "n_villages": ("Thôn, làng, khu phố", "Villages"),
    "n_households": ("Hộ gia đình", "Households"),
    "n_dead_zones": ("Thôn chưa có sóng 4G", "Villages without 4G"),
    "n_indoor_4g": ("Thôn có 4G trong nhà", "Villages with indoor 4G"),
    "n_no_power": ("Thôn chưa có điện lưới", "Villages without grid power"),
    "n_roaming": ("Thôn chỉ có 1 nhà mạng (chuyển vùng)", "Single-operator villages (roaming)"),
    "by_district": ("Theo huyện", "By district"),
    "by_commune": ("Theo xã — {unit}", "By commune — {unit}"),
    "col_unit": ("Đơn vị", "Unit"),
    "col_villages": ("Số thôn", "Villages"),
    "col_households": ("Số hộ", "Households"),
    "col_v_fiber": ("Thôn có cáp quang (%)", "Villages with fiber (%)"),
    "col_h_fiber": ("Hộ trong vùng cáp quang (%)", "Households with fiber (%)"),
    "col_v_4g": ("Thôn có 4G (%)", "Villages with 4G (%)"),
    "col_dead": ("Thôn chưa có 4G", "Villages without 4G"),
    "col_h_4g": ("Hộ có sóng 4G (%)", "Households with 4G (%)"),
    "col_v_4g_in": ("Thôn có 4G trong nhà (%)", "Villages with indoor 4G (%)"),
    "col_nofiber": ("Thôn chưa có cáp quang", "Villages without fiber"),
    "chart_caption": (
        "Tỷ lệ phủ theo {level} (%). Mục tiêu: 100 % thôn có cáp quang và 4G, > 95 % hộ.",
        (
            "Coverage by {level} (%). Targets: 100 % of villages with fiber and 4G, > 95 % of "
            "households."
        ),
    ),
    "model_card": ("Mô tả mô hình (tiếng Anh)", "Model card"),
    "model_card_missing": (
        "Không tìm thấy tệp mô tả mô hình docs/MODEL.md cạnh ứng dụng.",
        "The model card docs/MODEL.md was not found beside the app.",
    ),
    "covered_rule": (
        (
            "Có sóng 4G: {rule_4g}; 5G: {rule_5g}; {village}. Số liệu vùng phủ là dự báo "
            "theo mô hình truyền sóng; đối chiếu với đo kiểm: trang Tổng quan, mục «Dự báo và "
            "đo kiểm»."
        ),
        (
            "With 4G: {rule_4g}; 5G: {rule_5g}; {village}. Coverage figures are predicted "
            'by the propagation model; see "Predicted against measured" for the measurements.'
        ),
    ),
    "level_district": ("huyện", "district"),
    "level_commune": ("xã", "commune"),
    "operator_view": ("Nhà mạng", "Operator"),
    "all_operators": ("Tất cả nhà mạng", "All operators"),
    # map
    "map_title": ("Bản đồ hạ tầng số", "Digital infrastructure map"),
    "tiles_toggle": (
        "Nền bản đồ OpenStreetMap (cần Internet)",
        "OpenStreetMap background (needs Internet)",
    ),
    "tiles_help": (
        "Mặc định bản đồ dùng nền trơn để xem được cả khi không có Internet.",
        "By default the map uses a plain background so that it works without Internet.",
    ),
    "rasters_toggle": ("Lớp vùng phủ sóng dự báo", "Predicted coverage overlays"),
    "map_assets_missing": (
        (
            "Thiếu thư viện bản đồ trong `static/vendor` (Leaflet, jQuery). "
            "Chạy `bash scripts/setup` (hoặc `bash scripts/vendor-assets`) rồi mở lại ứng dụng."
        ),
        (
            "The map's libraries are missing from `static/vendor` (Leaflet, jQuery). Run "
            "`bash scripts/setup` (or `bash scripts/vendor-assets`) and restart the app."
        ),
    ),
    "static_serving_off": (
        (
            "Máy chủ chưa bật phục vụ tệp tĩnh nên bản đồ không tải được thư viện. Chạy ứng dụng "
            "từ thư mục dự án (nơi có `.streamlit/config.toml`), ví dụ `bash scripts/run-app`, "
            "hoặc thêm `--server.enableStaticServing true`."
        ),
        (
            "Static file serving is off, so the map cannot load its libraries. Start the app from "
            "the project folder (where `.streamlit/config.toml` is), e.g. `bash scripts/run-app`, "
            "or add `--server.enableStaticServing true`."
        ),
    ),
    "legend": ("Chú giải", "Legend"),
    "status_both": ("Có cả cáp quang và 4G", "Fiber and 4G"),
    "status_fiber_only": ("Chỉ có cáp quang", "Fiber only"),
    "status_4g_only": ("Chỉ có 4G", "4G only"),
    "status_none": ("Chưa có cáp quang, chưa có 4G", "Neither fiber nor 4G"),
    "l_districts": ("Ranh giới huyện", "District boundaries"),
    "l_communes": ("Ranh giới xã", "Commune boundaries"),
    "l_selected": ("Địa bàn đang chọn", "Selected area"),
    "l_villages": ("Thôn theo hiện trạng", "Villages by status"),
    "l_clusters_gap": ("Cụm dân cư chưa có 4G", "Clusters without 4G"),
    "l_fiber": ("Cáp quang {op}", "Fiber {op}"),
    "l_sites": ("Trạm BTS {op}", "Mobile sites {op}"),
    "l_places": ("Địa điểm ưu tiên (5G)", "Priority places (5G)"),
    "l_power": ("Đường dây điện", "Power lines"),
    "l_roads": ("Đường giao thông", "Roads"),
    "l_plan_routes": ("Đề xuất: tuyến cáp quang", "Proposed: fiber routes"),
    "l_plan_sites": ("Đề xuất: trạm BTS mới", "Proposed: new sites"),
    "synthetic_tag": ("tổng hợp", "synthetic"),
    "map_synthetic": (
        "Các lớp đánh dấu *({tag})* là dữ liệu tổng hợp, chỉ để minh hoạ.",
        "Layers marked *({tag})* are synthetic, for illustration only.",
    ),
    "map_zoomed": ("Bản đồ đang phóng tới: **{unit}**.", "The map is zoomed to **{unit}**."),
    "fiber_levels": (
        "Cáp quang: trục (nét đậm), phân phối (nét vừa), truy nhập (nét đứt).",
        "Fiber: backbone (thick), distribution (medium), access (dashed).",
    ),
    "p_village": ("Thôn", "Village"),
    "p_commune": ("Xã", "Commune"),
    "p_district": ("Huyện", "District"),
    "p_households": ("Số hộ", "Households"),
    "p_population": ("Dân số", "Population"),
    "p_power": ("Điện lưới", "Grid power"),
    "p_fiber": ("Cáp quang", "Fiber"),
    "p_fiber_dist": ("Cách cáp quang", "Distance to fiber"),
    "p_4g": ("Sóng 4G", "4G"),
    "p_4g_share": ("Tỷ lệ phủ sóng 4G", "Share with 4G"),
    "share_clusters": ("{pct} số hộ ({n} cụm dân cư)", "{pct} of households ({n} clusters)"),
    "share_area": ("{pct} diện tích ({n} điểm mẫu)", "{pct} of the area ({n} sample points)"),
    "share_point": ("{pct} (tính tại một điểm của thôn)", "{pct} (at the village's one point)"),
    "p_rsrp": ("Tín hiệu 4G tốt nhất", "Best 4G signal"),
    "p_site_dist": ("Cách trạm 4G gần nhất", "Nearest 4G site"),
    "p_5g": ("5G", "5G"),
    "p_operator": ("Nhà mạng", "Operator"),
    "p_tech": ("Công nghệ", "Technology"),
    "p_height": ("Độ cao cột", "Mast height"),
    "p_level": ("Cấp", "Level"),
    "p_kind": ("Loại", "Kind"),
    "p_voltage": ("Điện áp", "Voltage"),
    "lvl_backbone": ("trục", "backbone"),
    "lvl_distribution": ("phân phối", "distribution"),
    "lvl_access": ("truy nhập", "access"),
    "kind_industrial_park": ("Khu, cụm công nghiệp", "Industrial park"),
    "kind_district_centre": ("Trung tâm huyện", "District centre"),
    "kind_hospital": ("Bệnh viện", "Hospital"),
    "kind_school": ("Trường học", "School"),
    "kind_tourism": ("Khu du lịch", "Tourist area"),
    # progress
    "progress_title": ("Tiến độ thực hiện các chỉ tiêu", "Progress toward the targets"),
    "trend_title": ("Diễn biến các chỉ tiêu qua các kỳ", "The indicators period by period"),
    "trend_scope": (
        "Phạm vi: **{unit}** · {n} kỳ số liệu. Chọn huyện ở thanh bên trái để xem theo huyện.",
        "Scope: **{unit}** · {n} periods. Choose a district in the sidebar to see it.",
    ),
    "trend_commune_note": (
        "Diễn biến được tính theo huyện: đang hiển thị {unit}.",
        "Trends are kept by district: showing {unit}.",
    ),
    "one_period": (
        (
            "Kho dữ liệu mới có một kỳ số liệu ({period}): chưa so sánh được giữa các kỳ. "
            "Nhập số liệu kỳ sau (ví dụ `hatangso import TỆP --layer mobile_sites --into "
            "KHO.gpkg --as-of 2024-12-31`) để theo dõi tiến độ."
        ),
        (
            "The store holds one period only ({period}): there is nothing to compare yet. "
            "Import the next period's figures (e.g. `hatangso import FILE --layer mobile_sites "
            "--into STORE.gpkg --as-of 2024-12-31`) to follow the progress."
        ),
    ),
    "ax_period": ("Kỳ số liệu", "Period"),
    "ax_value": ("Tỷ lệ (%)", "Share (%)"),
    "series_actual": ("Thực tế", "Actual"),
    "series_target": ("Mục tiêu", "Target"),
    "chart_no_target": ("không có mục tiêu cố định", "no fixed target"),
    "changes_title": ("Thay đổi giữa hai kỳ", "Changes between two periods"),
    "from_period": ("Từ kỳ", "From"),
    "to_period": ("Đến kỳ", "To"),
    "same_period": (
        "Chọn “Từ kỳ” trước “Đến kỳ” để so sánh.",
        "Choose a “From” period before the “To” period.",
    ),
    "by_operator": ("Theo nhà mạng", "By operator"),
    "c_sites_added": ("Trạm thêm mới", "Sites added"),
    "c_sites_removed": ("Trạm gỡ bỏ", "Sites removed"),
    "c_sites_5g": ("Trạm nâng cấp 5G", "Sites upgraded to 5G"),
    "c_fiber_km": ("Cáp quang thêm (km)", "Fiber added (km)"),
    "ch_fiber": ("Thôn mới có cáp quang ({n})", "Villages newly on fiber ({n})"),
    "ch_4g": ("Thôn mới có sóng 4G ({n})", "Villages newly with 4G ({n})"),
    "ch_added": ("Trạm thêm mới ({n})", "Sites added ({n})"),
    "ch_removed": ("Trạm gỡ bỏ ({n})", "Sites removed ({n})"),
    "ch_upgraded": ("Trạm nâng cấp 5G ({n})", "Sites upgraded to 5G ({n})"),
    "ch_none": ("Không có thay đổi nào trong danh sách này.", "Nothing changed in this list."),
    "ch_download": ("Tải danh sách thay đổi (Excel)", "Download the change lists (Excel)"),
    "ch_in_area": (
        "Danh sách thôn giới hạn trong {unit}; bảng theo nhà mạng tính cho toàn tỉnh.",
        "Village lists limited to {unit}; the operator table covers the whole province.",
    ),
    "projection_title": ("Dự báo thời điểm đạt mục tiêu", "When each target will be met"),
    "projection_caption": (
        ("Theo tốc độ tăng giữa hai kỳ gần nhất (điểm phần trăm mỗi năm), tính cho toàn tỉnh."),
        "At the pace between the two latest periods (percentage points a year), province-wide.",
    ),
    "c_latest": ("Kỳ gần nhất", "Latest"),
    "c_pace": ("Tốc độ (điểm %/năm)", "Pace (pp/year)"),
    "c_projected": ("Dự kiến đạt", "Expected"),
    "pj_met": ("Đã đạt", "Met"),
    "pj_no_target": ("Không có mục tiêu", "No target"),
    "pj_stalled": ("Chưa có tiến triển", "No progress"),
    "pj_unknown": ("Chưa đủ số liệu", "Not enough data"),
    "pj_overdue": (
        "Lẽ ra đã đạt theo tốc độ này, nhưng chưa đạt",
        "Overdue at this pace",
    ),
    "pj_by": ("khoảng {date}", "around {date}"),
    "plans_effect_title": ("Tác động của các phương án đã lưu", "What the saved plans change"),
    "plans_effect_none": (
        (
            "Chưa có phương án nào được lưu cho kỳ này. Lập và lưu bằng "
            "`hatangso plan fiber KHO.gpkg --all-uncovered --save TÊN`."
        ),
        (
            "No plan is saved for this period. Make and save one with "
            "`hatangso plan fiber STORE.gpkg --all-uncovered --save NAME`."
        ),
    ),
    "c_plan": ("Phương án", "Plan"),
    "c_plan_kind": ("Loại", "Kind"),
    "plan_kind_fiber_plan": ("Cáp quang", "Fiber"),
    "plan_kind_site_plan": ("Trạm BTS", "Mobile sites"),
    "c_before_after": ("Trước → sau", "Before → after"),
    "report_section": ("Báo cáo lãnh đạo", "Leadership report"),
    "report_make": ("Lập báo cáo kỳ {period}", "Make the report for {period}"),
    "report_making": ("Đang lập báo cáo…", "Making the report…"),
    "report_pdf": ("Tải báo cáo PDF", "Download the PDF report"),
    "report_xlsx": ("Tải bảng Excel", "Download the Excel tables"),
    "report_error": ("Không lập được báo cáo: {reason}", "The report could not be made: {reason}"),
    "trends_missing": (
        "Chức năng theo dõi tiến độ chưa sẵn sàng trong bản cài đặt này: {reason}",
        "Progress tracking is not available in this installation: {reason}",
    ),
    # gaps
    "gaps_title": (
        "Vùng lõm: thôn và cụm dân cư chưa được phủ",
        "Gaps: villages and clusters not covered",
    ),
    "gaps_villages": ("Thôn", "Villages"),
    "gaps_clusters": ("Cụm dân cư", "Residential clusters"),
    "gap_kind": ("Thiếu", "Missing"),
    "gap_any": ("Cáp quang hoặc 4G", "Fiber or 4G"),
    "gap_fiber": ("Cáp quang", "Fiber"),
    "gap_4g": ("Sóng 4G", "4G"),
    "gap_both": ("Cả cáp quang và 4G", "Both fiber and 4G"),
    "power_filter": ("Điện lưới", "Grid power"),
    "power_all": ("Tất cả", "All"),
    "power_without": ("Chưa có điện", "Without grid power"),
    "power_with": ("Đã có điện", "With grid power"),
    "search": ("Tìm theo tên (không cần dấu)", "Search by name (accents optional)"),
    "search_help": (
        "Ví dụ: “vinh kim” tìm được “Xã Vĩnh Kim”.",
        "For example “vinh kim” finds “Xã Vĩnh Kim”.",
    ),
    "gaps_count": (
        "{n} thôn, {hh} hộ trong danh sách.",
        "{n} villages, {hh} households listed.",
    ),
    "gaps_clusters_count": (
        "{n} cụm dân cư, {hh} hộ trong danh sách.",
        "{n} clusters, {hh} households listed.",
    ),
    "gaps_none": (
        "Không có thôn hay cụm dân cư nào khớp với bộ lọc.",
        "No village or cluster matches the filters.",
    ),
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_xlsx": ("Tải Excel", "Download Excel"),
    "download_geojson": ("Tải GeoJSON", "Download GeoJSON"),
    "download_kml": ("Tải KML (Google Earth)", "Download KML (Google Earth)"),
    "c_village_id": ("Mã thôn", "Village id"),
    "c_cluster_id": ("Mã cụm", "Cluster id"),
    "c_village": ("Thôn", "Village"),
    "c_commune": ("Xã", "Commune"),
    "c_district": ("Huyện", "District"),
    "c_former_district": ("Huyện cũ", "Former district"),
    "c_households": ("Số hộ", "Households"),
    "c_fiber": ("Cáp quang", "Fiber"),
    "c_4g": ("4G", "4G"),
    "c_4g_share": ("Tỷ lệ phủ 4G (%)", "Share with 4G (%)"),
    "c_share_basis": ("Tỷ lệ tính theo", "Share measured on"),
    "basis_clusters": ("số hộ các cụm dân cư", "households of its clusters"),
    "basis_area": ("điểm mẫu trên diện tích", "points sampled over its area"),
    "basis_point": ("một điểm của thôn", "the village's one point"),
    "c_fiber_m": ("Cách cáp quang (m)", "To fiber (m)"),
    "c_site_m": ("Cách trạm 4G (m)", "To 4G site (m)"),
    "c_power": ("Điện lưới", "Grid power"),
    "c_operators": ("Nhà mạng 4G", "4G operators"),
    "c_basis": ("Cơ sở", "Basis"),
    # plans
    "plans_title": (
        "Quy hoạch: mở rộng cáp quang và trạm BTS mới",
        "Plans: fiber extensions and new sites",
    ),
    "plan_nothing_fiber": (
        "Mọi thôn trong địa bàn đã có cáp quang: không cần mở rộng.",
        "Every village of the area has fiber: no extension needed.",
    ),
    "plan_nothing_4g": (
        "Mọi thôn trong địa bàn đã có sóng 4G: không cần trạm mới.",
        "Every village of the area has 4G: no new site needed.",
    ),
    "plan_stale": (
        "Các tham số đã thay đổi: bấm “Lập phương án” để lập lại. Đang hiển thị phương án trước.",
        "The parameters have changed: press “Run the planner” again. Showing the previous plan.",
    ),
    "plan_fiber": ("Cáp quang", "Fiber"),
    "plan_sites": ("Trạm BTS", "Mobile sites"),
    "plan_mode": ("Giới hạn theo", "Limit by"),
    "plan_budget": ("Ngân sách", "Budget"),
    "plan_target": ("Mục tiêu số hộ", "Household target"),
    "plan_all": ("Phủ tất cả", "Cover all"),
    "budget_million_vnd": ("Ngân sách (triệu đồng)", "Budget (million VND)"),
    "target_hh": ("Số hộ cần thêm", "Households to add"),
    "max_sites": ("Số trạm tối đa", "Most sites"),
    "run_plan": ("Lập phương án", "Run the planner"),
    "plan_running": ("Đang lập phương án…", "Planning…"),
    "plan_scope": ("Phạm vi: {unit}", "Scope: {unit}"),
    "plan_empty": (
        (
            "Phương án không đề xuất tuyến hay trạm nào (không còn thôn chưa được phủ, hoặc "
            "ngân sách quá nhỏ)."
        ),
        "The plan proposes nothing (no uncovered village left, or the budget is too small).",
    ),
    "plan_routes": ("Tuyến cáp quang đề xuất", "Proposed fiber routes"),
    "plan_new_sites": ("Trạm BTS đề xuất", "Proposed sites"),
    "before_after": ("Chỉ tiêu trước và sau phương án", "Indicators before and after the plan"),
    "before": ("Hiện trạng", "Now"),
    "after": ("Sau phương án", "With the plan"),
    "total_cost": ("Tổng chi phí", "Total cost"),
    "total_length": ("Tổng chiều dài", "Total length"),
    "hh_gained": ("Số hộ được phủ thêm", "Households gained"),
    "villages_gained": ("Số thôn được phủ thêm", "Villages gained"),
    "n_sites": ("Số trạm", "Sites"),
    "c_rank": ("Thứ tự", "Rank"),
    "c_length_km": ("Chiều dài (km)", "Length (km)"),
    "c_cost": ("Chi phí (triệu đồng)", "Cost (million VND)"),
    "c_cost_hh": ("Chi phí/hộ (nghìn đồng)", "Cost/household (thousand VND)"),
    "c_cost_hh_short": ("Chi phí/hộ", "Cost/household"),
    "c_villages": ("Thôn được phủ", "Villages served"),
    "c_backhaul": ("Truyền dẫn", "Backhaul"),
    "c_power_src": ("Nguồn điện", "Power"),
    "c_site_id": ("Mã trạm", "Site id"),
    "bh_fiber": ("cáp quang", "fiber"),
    "bh_microwave": ("vi ba", "microwave"),
    "bh_satellite/none": ("vệ tinh / chưa có", "satellite / none"),
    "pw_grid": ("điện lưới", "grid"),
    "pw_solar": ("điện mặt trời", "solar"),
    "plan_error": ("Không lập được phương án: {reason}", "The plan could not be made: {reason}"),
    # data
    "data_title": ("Dữ liệu", "Data"),
    "layers_title": ("Các lớp dữ liệu", "Layers"),
    "c_layer": ("Lớp", "Layer"),
    "c_count": ("Số đối tượng", "Features"),
    "c_as_of": ("Đến ngày", "As of"),
    "c_source": ("Nguồn", "Source"),
    "c_licence": ("Giấy phép", "Licence"),
    "c_synthetic": ("Tổng hợp", "Synthetic"),
    "upload_title": ("Nhập một lớp dữ liệu", "Import a layer"),
    "upload_help": (
        (
            "GeoJSON, GeoPackage, Shapefile (.zip, hoặc .shp kèm .shx, .dbf, .prj), CSV, Excel "
            "có cột toạ độ, GeoTIFF."
        ),
        (
            "GeoJSON, GeoPackage, Shapefile (.zip, or .shp with .shx, .dbf, .prj), CSV, Excel "
            "with coordinate columns, GeoTIFF."
        ),
    ),
    "upload_file": ("Tệp dữ liệu", "File"),
    "upload_layer": ("Lớp", "Layer"),
    "upload_crs": ("Hệ toạ độ (khi tệp không ghi)", "CRS (when the file declares none)"),
    "crs_auto": ("Theo tệp", "As declared"),
    "upload_encoding": ("Bảng mã (dữ liệu cũ)", "Text encoding (legacy data)"),
    "enc_auto": ("Tự nhận", "Detect"),
    "upload_swap": ("Đảo x/y (vĩ độ trước)", "Swap x/y (latitude first)"),
    "upload_repair": ("Sửa hình học lỗi", "Repair invalid geometries"),
    "upload_strict": (
        "Nghiêm ngặt: từ chối cả tệp nếu có dòng lỗi",
        "Strict: refuse the whole file if any row is invalid",
    ),
    "upload_campaign": ("Đợt đo kiểm", "Measurement campaign"),
    "upload_campaign_help": (
        "Khi tệp không có cột đợt đo; để trống: lấy tên tệp.",
        "When the file has no campaign column; empty: the file's name.",
    ),
    "evidence_note": (
        (
            "Lớp bằng chứng (đo kiểm, ô đo tốc độ): các dòng hợp lệ được giữ lại, mỗi dòng bị "
            "loại được báo kèm lý do và số dòng; tệp mới được thêm vào kỳ số liệu (nhập lại "
            "cùng tệp thì thay các mẫu cũ của tệp đó). Nhận tệp CSV/Excel tiêu đề tiếng Việt "
            "hoặc tiếng Anh, tệp xuất của Tower Collector và nhật ký G-NetTrack, dữ liệu mở "
            "Ookla (quadkey)."
        ),
        (
            "Evidence layers (measurements, speed tiles): the valid rows are kept and every "
            "rejected row is reported with its reason and row number; a new file is added to "
            "the period (importing the same file again replaces its earlier samples). CSV/Excel "
            "with Vietnamese or English headers, Tower Collector exports, G-NetTrack logs and "
            "Ookla open data (quadkeys) are read."
        ),
    ),
    "mode_batch": (
        "Thêm vào lớp (nhập lại cùng tệp thì thay các dòng cũ của tệp đó)",
        "Add to the layer (importing the same file again replaces its earlier rows)",
    ),
    "upload_as_of": ("Số liệu đến ngày", "Figures as of"),
    "upload_source": ("Nguồn", "Source"),
    "upload_licence": ("Giấy phép", "Licence"),
    "upload_synthetic": ("Dữ liệu tổng hợp", "Synthetic data"),
    "upload_mode": ("Cách nhập", "How to import"),
    "mode_replace": ("Thay thế cả lớp", "Replace the layer"),
    "mode_upsert": (
        "Cập nhật theo mã (thêm mới, thay các đối tượng trùng mã)",
        "Update by id (add new features, replace those with the same id)",
    ),
    "replace_warning": (
        "Lớp hiện có {n} đối tượng; tất cả sẽ được thay bằng tệp này.",
        "The layer now holds {n} features; all of them will be replaced by this file.",
    ),
    "validate_btn": ("Kiểm tra", "Validate"),
    "import_btn": ("Nhập vào kho dữ liệu", "Import into the store"),
    "report_title": (
        "Kết quả kiểm tra (như lệnh `hatangso validate`)",
        "Validation report (as `hatangso validate`)",
    ),
    "upload_invalid": (
        "Tệp chưa hợp lệ: sửa các lỗi dưới đây rồi tải lên lại. Kho dữ liệu không thay đổi.",
        (
            "The file is not valid: fix the problems below and upload it again. The store is "
            "unchanged."
        ),
    ),
    "upload_valid": (
        "Tệp hợp lệ: {n} đối tượng. Bấm “Nhập vào kho dữ liệu” để ghi.",
        "The file is valid: {n} features. Press “Import into the store” to write it.",
    ),
    "upload_raster_ok": ("Tệp raster hợp lệ.", "The raster is valid."),
    "upload_sheet": ("Trang tính (Excel)", "Sheet (Excel)"),
    "upload_sheet_help": (
        "Tên hoặc số thứ tự (từ 0) của trang tính; để trống: trang đầu tiên.",
        "The sheet's name or number (from 0); empty: the first sheet.",
    ),
    "upload_operator": ("Nhà mạng của tệp", "The file's operator"),
    "upload_operator_help": (
        (
            "Danh sách trạm của một nhà mạng thường không có cột nhà mạng; để trống: nhận "
            "theo tiêu đề hoặc tiền tố mã trạm (có báo lại)."
        ),
        (
            "An operator's site list rarely has an operator column; empty: recognised from "
            "the title or the site codes' prefix (reported)."
        ),
    ),
    "operator_auto": ("Tự nhận", "Recognise"),
    "upload_profile": ("Hồ sơ nhập đã lưu", "Saved import profile"),
    "profile_none": ("Không dùng", "None"),
    "upload_save_profile": ("Lưu cách đọc này thành hồ sơ (tên)", "Save this mapping as (name)"),
    "upload_save_profile_help": (
        "Ví dụ “MobiFone — danh sách BTS”: tháng sau chọn hồ sơ này để đọc tệp cùng mẫu.",
        "E.g. “MobiFone — danh sách BTS”: next month, choose it to read a file of the same form.",
    ),
    "profile_saved": ("Đã lưu hồ sơ nhập “{name}”.", "Import profile “{name}” saved."),
    "colmap_title": ("Ghép cột thủ công", "Map the columns by hand"),
    "colmap_help": (
        (
            "Chọn cột của tệp ứng với từng cột cần có, xem các dòng đầu bên dưới, rồi bấm "
            "“Kiểm tra với cách ghép này”."
        ),
        (
            "Choose the file's column for each column needed, looking at the first rows "
            "below, then press “Validate with this mapping”."
        ),
    ),
    "colmap_x": ("Kinh độ / X", "Longitude / X"),
    "colmap_y": ("Vĩ độ / Y", "Latitude / Y"),
    "colmap_none": ("— không có —", "— none —"),
    "colmap_validate": ("Kiểm tra với cách ghép này", "Validate with this mapping"),
    "imported": ("Đã nhập {layer} vào {store}.", "Imported {layer} into {store}."),
    "upload_pick": ("Chọn một tệp để kiểm tra.", "Choose a file to validate."),
    "upload_bad_name": ("Tên tệp không hợp lệ: {name}", "Invalid file name: {name}"),
    "dataset_title": ("Bộ dữ liệu", "Data set"),
    "ds_name": ("Tên", "Name"),
    "ds_as_of": ("Số liệu đến ngày", "Figures as of"),
    "ds_path": ("Tệp", "File"),
    # sign-in and roles
    "page_review": ("Thẩm định", "Review"),
    "page_audit": ("Nhật ký", "Audit"),
    "signin_title": ("Đăng nhập", "Sign in"),
    "signin_user": ("Tên đăng nhập", "Username"),
    "signin_password": ("Mật khẩu", "Password"),
    "signin_button": ("Đăng nhập", "Sign in"),
    "signin_failed": ("Đăng nhập không thành công: {reason}", "Sign-in failed: {reason}"),
    "signin_locked": ("Tài khoản tạm khoá: {reason}", "Account locked: {reason}"),
    "signin_no_accounts": (
        (
            "Kho dữ liệu chưa có tài khoản nào. Tạo tài khoản đầu tiên của Sở bằng lệnh dưới đây "
            "(ứng dụng không có tài khoản hay mật khẩu mặc định):"
        ),
        (
            "The store has no accounts yet. Create the department's first account with the command "
            "below (the app has no default account or password):"
        ),
    ),
    "signed_out": ("Đã đăng xuất.", "Signed out."),
    "session_expired": (
        "Phiên làm việc đã hết hạn; vui lòng đăng nhập lại.",
        "Your session has expired; please sign in again.",
    ),
    "session_account_changed": (
        "Tài khoản đã bị thay đổi hoặc xoá; vui lòng đăng nhập lại.",
        "Your account was changed or removed; please sign in again.",
    ),
    "signed_in_as": ("Đăng nhập: **{user}** · {role}", "Signed in: **{user}** · {role}"),
    "signout_button": ("Đăng xuất", "Sign out"),
    "role_department": ("Sở (cơ quan quản lý)", "Department"),
    "role_operator": ("Doanh nghiệp", "Operator"),
    "role_viewer": ("Lãnh đạo (chỉ xem)", "Leadership (read only)"),
    "access_denied": ("Không được phép: {reason}", "Not allowed: {reason}"),
    "plans_department_only": (
        "Chỉ Sở chạy và lưu quy hoạch. Các đề xuất đã công bố nằm ở trang Thẩm định.",
        "Only the department runs and saves plans. Published proposals are on the Review page.",
    ),
    "report_leadership_only": (
        "Báo cáo lãnh đạo dành cho Sở và lãnh đạo tỉnh.",
        "The leadership report is for the department and the leadership.",
    ),
    "plan_save_title": ("Lưu quy hoạch", "Save the plan"),
    "plan_save_name": ("Tên quy hoạch", "Plan name"),
    "plan_save_btn": ("Lưu quy hoạch", "Save the plan"),
    "plan_saved": ("Đã lưu: {names}.", "Saved: {names}."),
    # review
    "review_title": ("Thẩm định đề xuất", "Review of proposals"),
    "rv_publish_title": ("Công bố quy hoạch để thẩm định", "Publish a plan for review"),
    "rv_no_plans": ("Chưa có quy hoạch nào được lưu.", "No plan has been saved yet."),
    "rv_publish_btn": ("Công bố để thẩm định", "Publish for review"),
    "rv_published": ("Đã công bố {plan} (mã {id}).", "Published {plan} (id {id})."),
    "rv_none": ("Chưa có đề xuất nào đang thẩm định.", "No proposal is under review."),
    "rv_plan": ("Quy hoạch", "Plan"),
    "rv_ref": ("Mã đề xuất", "Proposal"),
    "rv_kind": ("Loại", "Kind"),
    "rv_kind_route": ("Tuyến cáp quang", "Fiber route"),
    "rv_kind_site": ("Trạm BTS", "Mobile site"),
    "rv_kind_unit": ("Cụm dân cư (công nghệ)", "Cluster (technology)"),
    "rv_status": ("Trạng thái", "Status"),
    "rv_status_proposed": ("Đề xuất", "Proposed"),
    "rv_status_accepted": ("Chấp thuận", "Accepted"),
    "rv_status_rejected": ("Từ chối", "Rejected"),
    "rv_status_needs_changes": ("Cần điều chỉnh", "Needs changes"),
    "rv_decided_by": ("Người quyết định", "Decided by"),
    "rv_decided_at": ("Thời điểm", "When"),
    "rv_reason": ("Lý do", "Reason"),
    "rv_comments": ("Ý kiến", "Comments"),
    "rv_detail_title": ("Chi tiết đề xuất", "Proposal details"),
    "rv_proposal": ("Đề xuất", "Proposal"),
    "rv_decision": ("Quyết định", "Decision"),
    "rv_decide_btn": ("Gửi quyết định", "Submit the decision"),
    "rv_decided": ("Đã ghi nhận quyết định.", "Decision recorded."),
    "rv_comment": ("Ý kiến", "Comment"),
    "rv_comment_btn": ("Gửi ý kiến", "Post the comment"),
    "rv_action_publish": ("công bố", "published"),
    "rv_action_decide": ("quyết định", "decision"),
    "rv_action_comment": ("ý kiến", "comment"),
    # audit
    "audit_title": ("Nhật ký hoạt động", "Audit trail"),
    "au_at": ("Thời điểm (UTC)", "When (UTC)"),
    "au_actor": ("Người thực hiện", "Actor"),
    "au_action": ("Hoạt động", "Action"),
    "au_subject": ("Đối tượng", "Subject"),
    "au_detail": ("Chi tiết", "Detail"),
    "au_all": ("Tất cả", "All"),
    "au_since": ("Từ ngày", "Since"),
    "au_count": ("{n} mục.", "{n} entries."),
    # targets and the organisation (ui/targetspage.py)
    "tg_title": ("Chỉ tiêu và cơ quan quản lý", "Targets and the department"),
    "tg_org_line": (
        "Cơ quan của kỳ {as_of}: **{name}**",
        "The department on {as_of}: **{name}**",
    ),
    "tg_no_org": ("Chưa có tên cơ quan cho ngày {as_of}.", "No department named for {as_of}."),
    "tg_caption": (
        (
            "Mỗi kỳ số liệu được đánh giá theo chỉ tiêu có hiệu lực vào ngày của kỳ; chỉ số "
            "không có chỉ tiêu có hiệu lực hiện “chưa có chỉ tiêu”."
        ),
        (
            "Each period is judged against the targets in force on its date; an indicator "
            "with none in force shows “no target”."
        ),
    ),
    "tg_indicator": ("Chỉ số", "Indicator"),
    "tg_comparison": ("So sánh", "Comparison"),
    "tg_value": ("Giá trị (%)", "Value (%)"),
    "tg_from": ("Hiệu lực từ", "Valid from"),
    "tg_to": ("Đến hết", "Valid to"),
    "tg_source": ("Văn bản", "Source document"),
    "tg_in_force": ("Áp dụng cho kỳ này", "In force for this period"),
    "tg_open": ("…", "…"),
    "tg_add_title": ("Thêm chỉ tiêu (ví dụ kế hoạch 2026–2030)", "Add a target (e.g. 2026–2030)"),
    "tg_add_button": ("Thêm chỉ tiêu", "Add the target"),
    "tg_added": ("Đã thêm chỉ tiêu {what}.", "Added the target {what}."),
    "tg_org_title": ("Tên cơ quan theo thời gian", "The department's name over time"),
    "tg_org_name": ("Tên đầy đủ", "Full name"),
    "tg_org_short": ("Tên viết tắt", "Short name"),
    "tg_org_button": ("Thêm tên cơ quan", "Add the name"),
    "tg_org_added": ("Đã thêm tên cơ quan {name}.", "Added the name {name}."),
    "tg_refused": ("Không thêm được: {reason}", "Not added: {reason}"),
}

# The cost section and the Ứng cứu thông tin page keep their words in their own modules.
TEXT.update(MIX_TEXT)
TEXT.update(RESILIENCE_TEXT)
