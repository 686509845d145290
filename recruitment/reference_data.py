"""Reference data loaded by migration: the 54 ethnic groups of Viet Nam and the recognised religions.

Names as the General Statistics Office writes them. Superusers may add or rename entries in the admin.
"""

MAJORITY_ETHNICITY = "Kinh"

ETHNICITIES = (
    "Kinh",
    "Tày",
    "Thái",
    "Mường",
    "Khmer",
    "Hoa",
    "Nùng",
    "Mông",
    "Dao",
    "Gia-rai",
    "Ê-đê",
    "Ba-na",
    "Sán Chay",
    "Chăm",
    "Cơ-ho",
    "Xơ-đăng",
    "Sán Dìu",
    "Hrê",
    "Ra-glai",
    "Mnông",
    "Thổ",
    "Xtiêng",
    "Khơ-mú",
    "Bru-Vân Kiều",
    "Cơ-tu",
    "Giáy",
    "Tà-ôi",
    "Mạ",
    "Giẻ-Triêng",
    "Co",
    "Chơ-ro",
    "Xinh-mun",
    "Hà Nhì",
    "Chu-ru",
    "Lào",
    "La Chí",
    "Kháng",
    "Phù Lá",
    "La Hủ",
    "La Ha",
    "Pà Thẻn",
    "Lự",
    "Ngái",
    "Chứt",
    "Lô Lô",
    "Mảng",
    "Cơ Lao",
    "Bố Y",
    "Cống",
    "Si La",
    "Pu Péo",
    "Rơ-măm",
    "Brâu",
    "Ơ-đu",
)

RELIGIONS = (
    "Phật giáo",
    "Công giáo",
    "Tin lành",
    "Cao Đài",
    "Phật giáo Hòa Hảo",
    "Hồi giáo",
    "Bà-la-môn",
    "Tịnh độ Cư sĩ Phật hội Việt Nam",
    "Tứ Ân Hiếu Nghĩa",
    "Bửu Sơn Kỳ Hương",
    "Minh Sư đạo",
    "Minh Lý đạo - Tam Tông Miếu",
    "Bahá'í",
    "Phật giáo Hiếu Nghĩa Tà Lơn",
    "Cơ đốc Phục lâm",
    "Các Thánh hữu Ngày sau của Chúa Giê-su Ky-tô",
)


def load(ethnicity_model, religion_model):
    """Create the entries that are missing. Takes the models as arguments so the data migration can
    pass its historical models; tests call it after a transactional test's flush emptied the tables."""
    from units.text import match_key

    have = set(ethnicity_model.objects.values_list("name", flat=True))
    ethnicity_model.objects.bulk_create(
        ethnicity_model(name=name, key=match_key(name), is_minority=name != MAJORITY_ETHNICITY)
        for name in ETHNICITIES
        if name not in have
    )
    have = set(religion_model.objects.values_list("name", flat=True))
    religion_model.objects.bulk_create(
        religion_model(name=name, key=match_key(name)) for name in RELIGIONS if name not in have
    )
