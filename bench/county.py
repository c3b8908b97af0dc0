"""The reference data of the benchmark county: townships, windows, items, clerks, people.

Everything is derived from a seeded ``random.Random`` so a seed gives the same county.
Window and item codes are township-prefixed (``T03-MZ``, ``T03-MZ-GF-0001``): each
township center has its own 14 windows, and the county's statistics group by them.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from windowdesk.core.catalogue import Catalogue, load_catalogue
from windowdesk.core.identity import credit_code_check_char, id_check_char

# (name, relative size): 城关镇 is the county seat, the rest vary.
TOWNSHIPS = [
    ("城关镇", 1.8), ("东山镇", 1.2), ("西河乡", 0.8), ("南岭镇", 1.1), ("北坪乡", 0.7),
    ("石门镇", 1.0), ("青山乡", 0.8), ("白沙镇", 1.2), ("龙泉乡", 0.9), ("桃源镇", 1.0),
    ("大坪乡", 0.7), ("新田镇", 1.1), ("长岭乡", 0.8), ("黄土镇", 0.9), ("杨柳乡", 0.7),
    ("高桥镇", 1.3), ("马头乡", 0.8), ("清水镇", 1.0), ("凤凰乡", 0.9), ("金坑乡", 0.6),
]
AREA_CODE = "362131"  # the county's 行政区划代码, on most residents' ID numbers
OTHER_AREAS = ("360102", "360721", "441900", "330106", "350583", "430521", "510722")
PHONE_AREA = "0797"


def node_code(index: int) -> str:
    return f"T{index + 1:02d}"


def _m(code, name, original=True, copy=False, copies=1, required=True):
    return {"code": code, "name": name, "required": required, "original": original,
            "copy": copy, "copies": copies}


_FORM, _IDC = _m("M01", "申请表"), _m("M02", "居民身份证", copy=True)
_HUKOU = _m("M03", "户口簿", copy=True)

EXTRA_WINDOWS = [
    {"code": "LY", "name": "林业窗口", "department": "镇林业工作站"},
    {"code": "SL", "name": "水利窗口", "department": "镇水利工作站"},
    {"code": "DF", "name": "动物防疫窗口", "department": "镇畜牧兽医站"},
    {"code": "XF", "name": "信访窗口", "department": "镇信访办"},
    {"code": "DZ", "name": "党政综合窗口", "department": "镇党政综合办"},
]


def _item(code, name, type_, window, kind, statutory, committed, materials, procedures=()):
    return {"code": code, "name": name, "type": type_, "department": window["department"],
            "window": window["code"], "kind": kind, "statutory_limit": statutory,
            "committed_limit": committed, "proxy_allowed": True, "materials": materials,
            "special_procedures": [{"name": n, "limit": d} for n, d in procedures]}


LY, SL, DF, XF, DZ = EXTRA_WINDOWS
EXTRA_ITEMS = [
    _item("LY-GG-0001", "森林防火期野外用火登记", "public_service", LY, "immediate", 0, 0, [_FORM, _IDC]),
    _item("LY-XK-0001", "林木采伐许可证核发（初审）", "licensing", LY, "promised", 20, 10,
          [_FORM, _IDC, _m("M03", "林权证", copy=True), _m("M04", "伐区调查设计")], [("现场查验", 5)]),
    _item("SL-GG-0001", "农村供水报装登记", "public_service", SL, "immediate", 0, 0, [_FORM, _IDC, _HUKOU]),
    _item("SL-GG-0002", "小型农田水利设施损毁报修", "public_service", SL, "promised", 10, 5, [_FORM, _IDC]),
    _item("DF-GG-0001", "动物检疫申报受理", "public_service", DF, "immediate", 0, 0,
          [_m("M01", "检疫申报单"), _IDC, _m("M03", "免疫记录", original=False, copy=True)]),
    _item("DF-GF-0001", "病死畜禽无害化处理补助申请", "benefit", DF, "promised", 15, 10,
          [_FORM, _IDC, _m("M03", "无害化处理凭证")], [("公示", 3)]),
    _item("XF-GG-0001", "信访事项登记受理", "public_service", XF, "promised", 15, 15,
          [_m("M01", "信访事项登记表"), _IDC, _m("M03", "相关证据材料", copy=True, required=False)]),
    _item("DZ-GG-0001", "村（居）民有关证明开具", "public_service", DZ, "immediate", 0, 0, [_IDC, _HUKOU]),
    _item("DZ-GG-0002", "党员组织关系转接", "public_service", DZ, "immediate", 0, 0,
          [_m("M01", "组织关系介绍信"), _IDC]),
]

# How often each item is applied for (relative); the immediate ones make ~75%.
ITEM_WEIGHTS = {
    "SB-GG-0001": 12, "SB-GG-0004": 3, "YB-GG-0001": 18, "WJ-GG-0001": 5, "NY-QT-0001": 3,
    "LY-GG-0001": 4, "SL-GG-0001": 3, "DF-GG-0001": 9, "DZ-GG-0001": 14, "DZ-GG-0002": 4,
    "MZ-GF-0001": 2.0, "MZ-QR-0001": 0.5, "MZ-GF-0002": 2.0, "MZ-GF-0003": 2.0, "SB-GG-0002": 2.5,
    "SB-GG-0003": 3.5, "YB-GF-0001": 1.5, "WJ-QR-0001": 0.8, "WJ-GF-0001": 0.4, "GT-XK-0001": 1.0,
    "NY-XK-0001": 1.2, "NY-GF-0001": 1.5, "TY-GG-0001": 0.8, "CL-QR-0001": 0.6, "CL-QR-0002": 0.5,
    "CL-GF-0001": 0.6, "CL-GF-0002": 0.6, "SF-GG-0001": 0.4, "SF-GG-0002": 0.6, "LY-XK-0001": 0.6,
    "SL-GG-0002": 0.5, "DF-GF-0001": 0.4, "XF-GG-0001": 0.5,
}
# 2025.1 shortened some committed limits (承诺时限压缩), a new catalogue version.
SHORTENED_2025 = {"MZ-GF-0001": 20, "MZ-GF-0003": 15, "CL-QR-0001": 10, "NY-XK-0001": 12}
VERSIONS = (("2022.1", date(2021, 12, 15)), ("2025.1", date(2024, 12, 20)))


def county_catalogue(townships: int, version: str, bundled: Catalogue) -> Catalogue:
    """The county catalogue: every township's 14 windows and their items."""
    base = bundled.to_dict()
    windows = base["windows"] + EXTRA_WINDOWS
    items = base["items"] + EXTRA_ITEMS
    published = dict(VERSIONS)[version]
    out_windows, out_items = [], []
    for t in range(townships):
        node, town = node_code(t), TOWNSHIPS[t][0]
        for w in windows:
            dept = town + w["department"][1:] if w["department"].startswith("镇") else w["department"]
            out_windows.append({"code": f"{node}-{w['code']}", "name": town + w["name"], "department": dept})
        for item in items:
            item = dict(item, code=f"{node}-{item['code']}", window=f"{node}-{item['window']}",
                        location=f"{town}便民服务中心")
            if version >= "2025" and item["code"][4:] in SHORTENED_2025:
                item["committed_limit"] = SHORTENED_2025[item["code"][4:]]
            out_items.append(item)
    return load_catalogue({
        "catalogue": {"version": version, "published": published.isoformat(), "publisher": "示范县政务服务中心"},
        "windows": out_windows, "items": out_items})


# --- people -------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
            "邵万钱严覃武戴莫孔向汤")
SURNAME_WEIGHTS = [max(1.0, 8.0 - i * 0.12) for i in range(len(SURNAMES))]
COMPOUND = ("欧阳", "司马", "上官", "诸葛")
MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林建国志文海永春德荣成福生金良兴东清山水根"
FEMALE = "芳娜敏静丽艳娟霞秀英玲桂兰红梅琳燕萍雪婷慧莉丹玉凤洁琴云华美佳欣怡倩春菊香月花珍翠"
MINORITY = (("阿依古丽", "热依拉", "努尔兰", "古丽娜尔", "艾力", "帕提古丽", "阿卜杜拉", "迪丽娜尔"),
            ("买买提", "艾山", "托合提", "吐尔逊", "热合曼", "依明", "司马义", "阿布都"))
VILLAGE_A = "东西南北上下大小新老石黄李王张陈马牛龙凤桃梅柳杨高长白青红金"
VILLAGE_B = "坑塘坪田岭坳湾溪桥山源坊庄屋洲"
MOBILE = ("130 131 132 133 134 135 136 137 138 139 150 151 152 155 157 158 159 170 176 177 178 "
          "180 181 182 183 185 186 187 188 189 191 193 195 198 199").split()
_NUMERALS = "一二三四五六七八九十"


def person_name(rng: random.Random, male: bool) -> str:
    if rng.random() < 0.002:  # a minority name with the middle dot: given name · father's name
        return f"{rng.choice(MINORITY[0])}·{rng.choice(MINORITY[1])}"
    surname = rng.choice(COMPOUND) if rng.random() < 0.004 else rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    chars = MALE if male else FEMALE
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE) + f"{rng.randrange(10**8):08d}"


def villages(rng: random.Random) -> list[str]:
    names = {rng.choice(VILLAGE_A) + rng.choice(VILLAGE_B) for _ in range(rng.randint(10, 16))}
    return sorted(names)


def _org_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714) with its check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice(alphabet) for _ in range(8))
    total = sum(alphabet.index(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


class People:
    """One township's residents (and a few organisations) who come to its windows."""

    def __init__(self, rng: random.Random, township_index: int, size: int):
        self.rng, self.t = rng, township_index
        self.town = TOWNSHIPS[township_index][0]
        self.villages = villages(rng)
        self.taken: set[str] = set()
        self.persons: list[dict] = []
        for _ in range(max(size, 1)):
            self.persons.append(self._person())
        self.regulars = max(1, len(self.persons) // 6)  # 低保 families, farmers: frequent visitors
        self.orgs = [self._org() for _ in range(max(5, size // 400))]

    def _id_number(self, born: date, male: bool) -> str:
        rng = self.rng
        while True:
            area = AREA_CODE if rng.random() < 0.9 else rng.choice(OTHER_AREAS)
            k = rng.randrange(25) * 2 + (1 if male else 0)  # odd sequence = male
            body = f"{area}{born:%Y%m%d}{self.t * 50 + k:03d}"  # townships own disjoint sequences
            if body not in self.taken:
                self.taken.add(body)
                return body + id_check_char(body)
            born += timedelta(days=1)

    def _address(self) -> str:
        rng = self.rng
        return f"{self.town}{rng.choice(self.villages)}村{rng.choice(_NUMERALS)}组{rng.randint(1, 80)}号"

    def _person(self) -> dict:
        rng = self.rng
        male = rng.random() < 0.52
        age = min(95, max(18, int(rng.triangular(18, 92, 58))))
        born = date(2026 - age, 1, 1) + timedelta(days=rng.randrange(365))
        roll = rng.random()
        if roll < 0.10 and self.persons:  # shares the family's phone
            phone = rng.choice(self.persons)["phone"]
        elif roll < 0.84:
            phone = mobile(rng)
        elif roll < 0.93:
            phone = f"{PHONE_AREA}-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"
        else:
            phone = ""
        return {"name": person_name(rng, male), "id_type": "resident_id",
                "id_number": self._id_number(born, male), "phone": phone, "address": self._address()}

    def _org(self) -> dict:
        rng = self.rng
        village = rng.choice(self.villages)
        kind = rng.random()
        if kind < 0.4:
            name, head = f"{self.town}{village}村股份经济合作联社", "93"
        elif kind < 0.75:
            name, head = f"{self.town}{village}{rng.choice(('水稻', '油茶', '生猪', '蔬菜', '脐橙'))}种养专业合作社", "93"
        else:
            name, head = f"{self.town}{person_name(rng, True)}家庭农场", "92"
        body = head + AREA_CODE + _org_code(rng)
        return {"name": name, "id_type": "credit_code", "id_number": body + credit_code_check_char(body),
                "phone": mobile(rng), "address": f"{self.town}{village}村"}

    def pick(self) -> dict:
        rng = self.rng
        if rng.random() < 0.35:
            return self.persons[rng.randrange(self.regulars)]
        return self.persons[rng.randrange(len(self.persons))]

    def pick_org(self) -> dict:
        return self.rng.choice(self.orgs)


def clerks(rng: random.Random, township_index: int, windows: list[str]) -> tuple[list[dict], dict]:
    """Ten window clerks (一人多岗) and the center's director; each window's A and B post."""
    node = node_code(township_index)
    staff = [{"code": f"{node}-{i + 1:02d}", "name": person_name(rng, rng.random() < 0.5),
              "role": "clerk", "windows": []} for i in range(10)]
    posts = {}
    for w, window in enumerate(windows):
        posts[window] = (staff[w % 10]["code"], staff[(w + 3) % 10]["code"])
        for clerk in (staff[w % 10], staff[(w + 3) % 10]):
            if window not in clerk["windows"]:
                clerk["windows"].append(window)
    director = {"code": f"{node}-ZR", "name": person_name(rng, True), "role": "supervisor", "windows": []}
    return staff + [director], posts
