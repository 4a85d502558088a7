"""The words of the Ứng cứu thông tin (Resilience) page, in Vietnamese (first) and English.

Kept apart from :mod:`ui.texts` (which is long already) and merged into its
:data:`ui.texts.TEXT`, so :func:`ui.i18n.tr` finds them like any other text. Every string
is Unicode NFC (a test checks it).
"""

from __future__ import annotations

__all__ = ["RESILIENCE_TEXT"]

#: key -> (Vietnamese, English).
RESILIENCE_TEXT: dict[str, tuple[str, str]] = {
    "page_resilience": ("Ứng cứu thông tin", "Resilience"),
    "res_spof_title": ("Điểm lỗi đơn", "Single points of failure"),
    "res_spof_caption": (
        (
            "Một tuyến cáp đứt, một nút quang hoặc một trạm hub hỏng làm mất kết nối về lõi "
            "mạng (tuyến trục, nút POP). Xếp theo số hộ mất cáp quang, rồi số trạm mất "
            "truyền dẫn. Tuyến nằm trong mạch vòng không phải điểm lỗi đơn."
        ),
        (
            "One cut route, one failed fiber node or microwave hub that disconnects part of the "
            "network from the core (backbone, POP nodes). Ranked by households cut off from "
            "fiber, then sites losing backhaul. A route on a ring is not a single point."
        ),
    ),
    "res_spof_none": (
        "Không có điểm lỗi đơn nào trong địa bàn đang chọn.",
        "No single point of failure in the selected area.",
    ),
    "res_spof_count": (
        "{n} điểm lỗi đơn; bảng và bản đồ hiện {shown} điểm đầu.",
        "{n} single points of failure; the table and the map show the first {shown}.",
    ),
    "res_own_only": (
        "Bạn chỉ thấy tuyến cáp, nút và trạm của {op}; số hộ, số thôn là tổng hợp.",
        "You see only {op}'s routes, nodes and sites; households and villages are totals.",
    ),
    "res_rank": ("Hạng", "Rank"),
    "res_kind": ("Loại", "Kind"),
    "res_element": ("Mã", "Id"),
    "res_operator": ("Nhà mạng", "Operator"),
    "res_households": ("Số hộ mất cáp quang", "Households cut off from fiber"),
    "res_villages": ("Số thôn", "Villages"),
    "res_communes": ("Số xã", "Communes"),
    "res_sites": ("Số trạm mất truyền dẫn", "Sites losing backhaul"),
    "res_commune_names": ("Xã bị ảnh hưởng", "Communes affected"),
    "res_kind_route": ("tuyến cáp", "route"),
    "res_kind_node": ("nút quang", "fiber node"),
    "res_kind_microwave": ("chặng viba", "microwave hop"),
    "res_kind_site": ("trạm hub", "hub site"),
    "res_kind_tower": ("dựng lại cột", "re-erect tower"),
    "res_l_spof": ("Điểm lỗi đơn", "Single points of failure"),
    "res_scenario_title": ("Kịch bản thiên tai", "Hazard scenario"),
    "res_upload": (
        "Tệp vùng ảnh hưởng (GeoJSON, GeoPackage): vùng lũ, sạt lở, mất điện hoặc đường đi của bão",
        "Hazard file (GeoJSON, GeoPackage): flood, landslide, power-cut areas or a storm track",
    ),
    "res_upload_help": (
        (
            "Vùng (polygon) có cột kind: flood, landslide, power_outage; đường đi của bão "
            "(line) có kind storm và wind_radius_m (bán kính gió mạnh, mét)."
        ),
        (
            "Areas (polygons) with a kind column: flood, landslide, power_outage; a storm track "
            "(line) with kind storm and wind_radius_m (damaging wind radius, metres)."
        ),
    ),
    "res_demo_storm": (
        "Đang dùng kịch bản minh hoạ của bản demo: {name} (giả định, không phải sự kiện thật).",
        "Using the demo's illustrative scenario: {name} (assumed, not a real event).",
    ),
    "res_no_hazard": (
        "Tải lên tệp vùng ảnh hưởng để chạy kịch bản.",
        "Upload a hazard file to run a scenario.",
    ),
    "res_hazard_error": (
        "Không đọc được tệp vùng ảnh hưởng: {reason}",
        "The hazard file cannot be used: {reason}",
    ),
    "res_areas": ("{n} vùng {kind}", "{n} × {kind} area"),
    "res_outage": ("Thời gian mất điện lưới (giờ)", "Grid power cut (hours)"),
    "res_crews": ("Số đội ứng cứu", "Repair crews"),
    "res_hazard_line": (
        "Kịch bản: {areas}; mất điện lưới {hours} giờ.",
        "Scenario: {areas}; grid power cut for {hours} hours.",
    ),
    "res_hours_title": ("Số hộ mất dịch vụ theo thời gian", "Households without service over time"),
    "res_hour": ("Giờ sau sự cố", "Hours after"),
    "res_without_fiber": ("Hộ mất cáp quang", "Households without fiber"),
    "res_without_4g": ("Hộ mất 4G", "Households without 4G"),
    "res_cut_off": ("Hộ mất liên lạc", "Households cut off"),
    "res_sites_down": ("Trạm mất sóng", "Sites down"),
    "res_routes_cut": ("Tuyến cáp đứt", "Routes cut"),
    "res_places_cut": ("Địa điểm ưu tiên mất liên lạc", "Priority places cut off"),
    "res_villages_cut": ("Thôn mất liên lạc", "Villages cut off"),
    "res_cut_off_note": (
        (
            "Hộ mất liên lạc: có cáp quang hoặc 4G trước sự cố, không còn cả hai. 4G ngoài trời "
            "theo mô hình vùng phủ trên các trạm còn hoạt động; kết quả mô hình, không phải số "
            "liệu đo."
        ),
        (
            "Cut off: had fiber or 4G before the hazard, has neither. 4G outdoors from the "
            "coverage model on the sites still up; model results, not measurements."
        ),
    ),
    "res_slider": ("Giờ sau sự cố trên bản đồ", "Hours after the strike on the map"),
    "res_map_caption": (
        (
            "Lúc {hour} giờ: {sites} trạm mất sóng, {routes} tuyến cáp đứt, {cut} thôn mất "
            "liên lạc, {partly} thôn mất cáp quang hoặc 4G."
        ),
        (
            "At {hour} h: {sites} sites down, {routes} routes cut, {cut} villages cut off, "
            "{partly} villages without fiber or 4G."
        ),
    ),
    "res_l_hazard": ("Vùng ảnh hưởng", "Hazard areas"),
    "res_l_cut": ("Thôn mất liên lạc", "Villages cut off"),
    "res_l_partly": ("Thôn mất cáp quang hoặc 4G", "Villages without fiber or 4G"),
    "res_l_sites_down": ("Trạm mất sóng", "Sites down"),
    "res_l_routes_cut": ("Tuyến cáp đứt", "Routes cut"),
    "res_reason_power": ("hết nguồn", "no power"),
    "res_reason_tower": ("đổ cột", "tower down"),
    "res_reason_backhaul": ("mất truyền dẫn", "backhaul lost"),
    "res_by_commune_title": (
        "Hộ mất dịch vụ theo xã lúc {hour} giờ",
        "Households without service by commune at {hour} h",
    ),
    "res_commune": ("Xã, phường", "Commune"),
    "res_no_loss": (
        "Không có hộ nào mất dịch vụ trong địa bàn đang chọn lúc này.",
        "No household loses service in the selected area at this hour.",
    ),
    "res_places_line": (
        "Địa điểm ưu tiên mất liên lạc lúc {hour} giờ: {places}.",
        "Priority places cut off at {hour} h: {places}.",
    ),
    "res_restoration_title": ("Thứ tự khắc phục", "Restoration order"),
    "res_restoration_caption": (
        (
            "Sau khi có điện trở lại: {n} hạng mục cho {crews} đội, ưu tiên số hộ có lại liên "
            "lạc trên mỗi giờ sửa (giả định 6 giờ nối một tuyến cáp, 24 giờ dựng một cột). "
            "{total} hộ có lại liên lạc; 50 % sau {h50} giờ, 90 % sau {h90} giờ."
        ),
        (
            "Once the power is back: {n} repairs for {crews} crews, most households back per "
            "repair hour first (assumed 6 h to mend a route, 24 h to re-erect a tower). "
            "{total} households back; 50 % after {h50} h, 90 % after {h90} h."
        ),
    ),
    "res_no_repairs": (
        "Không còn hạng mục nào cần khắc phục sau khi có điện.",
        "Nothing left to repair once the power is back.",
    ),
    "res_order": ("Thứ tự", "Order"),
    "res_task": ("Việc", "Task"),
    "res_crew": ("Đội", "Crew"),
    "res_start": ("Từ giờ", "Start (h)"),
    "res_finish": ("Đến giờ", "End (h)"),
    "res_restored": ("Số hộ có lại liên lạc", "Households back"),
    "res_restored_by": ("Chắc chắn có lại sau (giờ)", "Surely back by (h)"),
    "res_task_route": ("nối tuyến cáp", "mend route"),
    "res_task_tower": ("dựng lại cột", "re-erect tower"),
    "res_report_title": ("Báo cáo nhanh", "Situation report"),
    "res_report_button": (
        "Tải báo cáo nhanh (PDF, 1 trang)",
        "Download the situation report (PDF, 1 page)",
    ),
    "res_report_caption": (
        "Báo cáo một trang cho lãnh đạo: sự cố, số hộ mất dịch vụ, 10 xã nặng nhất, khắc phục.",
        (
            "One page for the leadership: the hazard, households without service, 10 worst "
            "communes, restoration."
        ),
    ),
    "res_report_denied": (
        "Báo cáo nhanh dành cho Sở và lãnh đạo (tổng hợp mạng của mọi nhà mạng).",
        "The situation report is for the department and the leadership (every operator's network).",
    ),
    "hd_title": ("Gia cố trước mùa mưa bão", "Hardening before the storm season"),
    "hd_caption": (
        (
            "Khép vòng cáp quang cho các xã chỉ treo trên một tuyến, và kéo dài ắc quy hoặc đặt "
            "máy phát cho các trạm sẽ mất điện; xếp theo số hộ được bảo vệ trên mỗi đồng. Lưu và "
            "gửi nhà mạng thẩm định: hatangso plan rings|backup … --save TÊN."
        ),
        (
            "Close fiber rings for communes hanging on one route, and give longer batteries or a "
            "generator to the sites a power cut would silence; ranked by households protected per "
            "VND. Save and send to the operators: hatangso plan rings|backup … --save NAME."
        ),
    ),
    "hd_running": ("Đang tìm vòng cáp và phương án điện dự phòng…", "Finding rings and backup…"),
    "hd_rings": ("Vòng cáp quang nên khép", "Fiber rings to close"),
    "hd_no_rings": (
        "Không có vòng nào: không xã nào chỉ treo trên một tuyến, hoặc không có đường bộ thứ hai.",
        "No ring: no commune hangs on one route, or there is no second road.",
    ),
    "hd_rings_note": (
        (
            "{vulnerable} hộ mất cáp quang nếu một tuyến bị cắt; {no_path} nhánh không có đường "
            "bộ thứ hai để khép vòng."
        ),
        (
            "{vulnerable} households lose fiber to some single route cut; {no_path} blocks have no "
            "second road to close a ring on."
        ),
    ),
    "hd_outage": ("Thời gian mất điện (giờ)", "Power cut (hours)"),
    "hd_backup": ("Điện dự phòng cho trạm", "Backup power for sites"),
    "hd_no_backup": (
        "Không trạm nào mất sóng vì mất điện trong thời gian này.",
        "No site goes silent for power within that time.",
    ),
    "hd_backup_note": (
        (
            "Mất điện {hours} giờ trên toàn tỉnh: {down} trạm tắt vì hết điện, {lost} hộ mất "
            "sóng 4G trước khi gia cố. Số hộ: hộ chỉ trạm đó giữ được sóng (giá ắc quy, máy "
            "phát là giả định)."
        ),
        (
            "A {hours}-hour power cut over the province: {down} sites go down for power, {lost} "
            "households lose 4G before the upgrades. Households: those only that site keeps on 4G "
            "(battery and generator prices are assumptions)."
        ),
    ),
    "hd_c_operator": ("Nhà mạng", "Operator"),
    "hd_c_bridge": ("Tuyến đang là điểm lỗi đơn", "Route now a single point of failure"),
    "hd_c_km": ("Chiều dài vòng (km)", "Ring length (km)"),
    "hd_c_cost": ("Chi phí", "Cost"),
    "hd_c_households": ("Số hộ được bảo vệ", "Households protected"),
    "hd_c_communes": ("Xã", "Communes"),
    "hd_c_site": ("Trạm", "Site"),
    "hd_c_option": ("Phương án", "Option"),
    "hd_generator": ("máy phát điện", "generator"),
    "hd_battery": ("ắc quy tới {hours} giờ", "batteries to {hours} h"),
    "res_source": ("Vùng ảnh hưởng", "Hazard area"),
    "res_source_file": ("Tệp (hoặc kịch bản minh hoạ)", "A file (or the illustrative scenario)"),
    "res_source_draw": ("Vẽ trên bản đồ", "Draw on the map"),
    "res_draw_kind": ("Loại vùng vẽ (đa giác)", "Kind of the areas drawn (polygons)"),
    "res_draw_radius": (
        "Bán kính gió mạnh của đường đi bão (km)",
        "Storm track's wind radius (km)",
    ),
    "res_draw_help": (
        (
            "Vẽ đa giác hoặc hình chữ nhật cho vùng ngập, sạt lở, mất điện; vẽ đường cho đường đi "
            "của bão (mở rộng theo bán kính gió). Công cụ vẽ ở góc trái bản đồ."
        ),
        (
            "Draw polygons or rectangles for a flood, landslide or power-cut area; draw a line for "
            "a storm's track (widened by its wind radius). The tools are at the map's left."
        ),
    ),
    "res_draw_none": (
        "Chưa có vùng nào được vẽ.",
        "Nothing drawn yet.",
    ),
}
