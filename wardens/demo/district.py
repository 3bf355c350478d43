"""The demo district's register: places, neighbours, households, people, posts and holders.

Modelled on 裕安区 (六安市) transport bureau's published 2020 summary: 389 registered-poor
households (1,045 people) in 13 villages of 5 townships, and 457 flood-affected households
after the July 2020 floods, 114 of them poor. Place names are real; every person is made up.

Everything is planned in memory from one seeded random generator (so two loads give the
same district), then written with bulk inserts (no per-row queries).

Scale N (benchmarks) keeps the 5 townships and the 13 real villages and adds N-1 sibling
villages to each real one ("王楼村二组" ... "王楼村二十一组"), each the size of the original:
households, people, flags, posts and slots all grow N-fold while a village stays village-sized.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from allocation.rules import age_at
from sqlalchemy import insert, select

from ..extensions import db
from ..idnumber import check_character
from ..models import (
    Assignment,
    Household,
    HouseholdFlag,
    Labour,
    Origin,
    Person,
    Post,
    PostKind,
    Township,
    Village,
    village_neighbour,
)
from ..models.people import name_initials

SOURCE = "演示数据"
AREA_CODE = "341503"  # 裕安区
# People registered before 2000 often keep the old 六安市 (county-level city) code.
OLD_AREA_CODE = "342401"

# (township, code, villages); village order is the chain of neighbours along the road.
TOWNSHIPS: list[tuple[str, str, list[str]]] = [
    ("单王乡", "341503200", ["王楼村", "胡台村"]),
    ("西河口乡", "341503201",
     ["河口居委会", "锅棚店村", "石湖村", "红石岩村", "江店村", "郝集村", "龙门冲村"]),
    ("新安镇", "341503102", ["迎水村", "洪河村"]),
    ("城南镇", "341503103", ["黄小桥村"]),
    ("丁集镇", "341503104", ["车贩村"]),
]
# Households per real village at scale 1: 900 in all.
VILLAGE_HOUSEHOLDS = {
    "王楼村": 80, "胡台村": 72, "河口居委会": 90, "锅棚店村": 66, "石湖村": 70, "红石岩村": 58,
    "江店村": 64, "郝集村": 68, "龙门冲村": 52, "迎水村": 74, "洪河村": 70, "黄小桥村": 68,
    "车贩村": 68,
}
# A couple of links across township borders.
CROSS_LINKS = [("胡台村", "锅棚店村"), ("洪河村", "黄小桥村"), ("迎水村", "车贩村")]

# Figures per scale unit (docs/domain.md, "The demo district").
PEOPLE = 2400
POOR_HOUSEHOLDS = 389
POOR_PEOPLE = 1045
FLOOD_HOUSEHOLDS = 457
FLOOD_AND_POOR = 114
MONITORING = 40
LOW_INCOME = 60
ZERO_EMPLOYMENT = 15
DISABLED = 50
CADRE = 20

FLOOD_DAY = dt.date(2020, 7, 20)
FLOOD_NOTE = "2020年7月淮河流域洪涝灾害"
POOR_NOTE = "建档立卡"
MONITORING_NOTES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")

# Common surnames, most frequent first; villages named after a clan get that clan's name often.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严武戴孔向汤"
)
VILLAGE_CLANS = {
    "王楼村": "王", "胡台村": "胡", "江店村": "江", "郝集村": "郝", "石湖村": "石",
    "黄小桥村": "黄", "洪河村": "洪", "锅棚店村": "陈", "红石岩村": "余", "龙门冲村": "汪",
    "河口居委会": "李", "迎水村": "张", "车贩村": "许",
}
# No character whose reading depends on its neighbour (长 zhang/chang), so initials can be read per character.
MALE_CHARS = "国建军华明永志海强平东林斌波勇伟超刚杰涛德忠学文成兵春宏俊辉峰磊鹏浩宇家庆发友根来福"
FEMALE_CHARS = "秀英兰芳玉珍桂梅丽红霞萍燕娟敏静凤琴云莲娥华玲洁慧婷雪芬翠菊琳琼艳荣淑月"
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                  "153", "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182",
                  "183", "185", "186", "187", "188", "189", "198", "199")
BANKS = ("安徽裕安农村商业银行", "中国邮政储蓄银行六安市分行", "中国农业银行六安分行")
PLACE_SUFFIXES = ("桥", "小学", "路口", "水库", "闸口", "大塘", "岗", "老街", "河堤", "渡口", "卫生室", "砖厂", "泵站")
CHINESE_DIGITS = "零一二三四五六七八九"

# The posts of one real village copy, as (kind, slots), dealt from these totals at scale 1:
# 56 road-warden posts (42×1, 12×2, 2×3 slots), 8 road-cleaner posts (4×1, 4×2) and
# 6 safety-persuader posts (6×1): 70 posts, 90 slots.
WARDEN_SLOTS = [1] * 42 + [2] * 12 + [3] * 2
CLEANER_SLOTS = [1] * 4 + [2] * 4
PERSUADER_SLOTS = [1] * 6
# Villages with a market street or school get the cleaners and persuaders.
CLEANER_VILLAGES = ("河口居委会", "王楼村", "迎水村", "石湖村", "洪河村", "黄小桥村", "车贩村", "郝集村")
PERSUADER_VILLAGES = ("河口居委会", "迎水村", "黄小桥村", "车贩村", "王楼村", "胡台村")
BATCH = 5000


def chinese_number(n: int) -> str:
    """1..99 written in Chinese numerals (二, 十一, 二十一)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


def stem(village_name: str) -> str:
    """The place part of a village's name: 王楼村 → 王楼, 河口居委会 → 河口."""
    for suffix in ("居委会", "村"):
        if village_name.endswith(suffix):
            return village_name[: -len(suffix)]
    return village_name


@dataclass
class PlannedPerson:
    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    phone: str
    labour: str
    away_working: bool = False
    stable_employment: bool = False
    bank_name: str | None = None
    bank_account: str | None = None
    id: int = 0


@dataclass
class PlannedHousehold:
    number: str
    village: "PlannedVillage"
    address: str
    surname: str
    size: int = 0
    poor: bool = False
    flood: bool = False
    cadre: bool = False
    flags: list[tuple[str, dt.date, str]] = field(default_factory=list)
    members: list[PlannedPerson] = field(default_factory=list)
    id: int = 0

    def tier(self) -> int:
        """The default priority order (1 best; 6 for no group), for picking demo holders."""
        codes = {f for f, _d, _n in self.flags}
        if "registered_poor" in codes and "flood_affected" in codes:
            return 1
        if "registered_poor" in codes:
            return 2
        if "flood_affected" in codes:
            return 3
        if "monitoring" in codes:
            return 4
        if codes & {"low_income", "zero_employment", "disabled"}:
            return 5
        return 6


@dataclass
class PlannedPost:
    code: str
    kind: str
    village: "PlannedVillage"
    route_code: str
    section_start: str
    section_end: str
    km: Decimal
    slots: int
    min_age: int
    max_age: int
    labour: str
    monthly_subsidy: Decimal
    required_days: int
    road_chief: str
    road_chief_phone: str
    holders: list[PlannedPerson] = field(default_factory=list)
    id: int = 0


@dataclass
class PlannedVillage:
    township: "PlannedTownship"
    name: str
    base_name: str
    copy: int
    code: str
    households: list[PlannedHousehold] = field(default_factory=list)
    posts: list[PlannedPost] = field(default_factory=list)
    id: int = 0


@dataclass
class PlannedTownship:
    name: str
    code: str
    villages: list[PlannedVillage] = field(default_factory=list)
    id: int = 0


@dataclass
class DistrictPlan:
    scale: int
    townships: list[PlannedTownship]
    links: list[tuple[PlannedVillage, PlannedVillage]]

    @property
    def villages(self) -> list[PlannedVillage]:
        return [v for t in self.townships for v in t.villages]

    @property
    def households(self) -> list[PlannedHousehold]:
        return [h for v in self.villages for h in v.households]

    @property
    def posts(self) -> list[PlannedPost]:
        return [p for v in self.villages for p in v.posts]


class _Unique:
    """Hands out made-up ID numbers and phone numbers, never the same one twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.id_stems: set[str] = set()
        self.phones: set[str] = set()

    def id_number(self, birth: dt.date, sex: str) -> str:
        area = OLD_AREA_CODE if birth.year < 1975 and self.rng.random() < 0.3 else AREA_CODE
        while True:
            seq = self.rng.randrange(0, 1000)
            # GB 11643: the sequence number is odd for men and even for women.
            if (seq % 2 == 1) != (sex == "M"):
                seq = (seq + 1) % 1000
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.id_stems:
                self.id_stems.add(first17)
                return first17 + check_character(first17)

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def plan_places(scale: int) -> DistrictPlan:
    """The 5 townships and 13 real villages (plus sibling villages above scale 1), with neighbours."""
    townships: list[PlannedTownship] = []
    links: list[tuple[PlannedVillage, PlannedVillage]] = []
    by_name: dict[str, PlannedVillage] = {}
    for t_name, t_code, village_names in TOWNSHIPS:
        township = PlannedTownship(t_name, t_code)
        for v_index, base in enumerate(village_names, start=1):
            for copy in range(1, scale + 1):
                name = base if copy == 1 else f"{base}{chinese_number(copy)}组"
                code = f"{t_code}{v_index:02d}{copy:02d}"
                village = PlannedVillage(township, name, base, copy, code)
                township.villages.append(village)
                by_name[name] = village
        # Neighbours along the road: each village with the next one in the township.
        for a, b in zip(township.villages, township.villages[1:]):
            links.append((a, b))
        townships.append(township)
    for a, b in CROSS_LINKS:
        links.append((by_name[a], by_name[b]))
    return DistrictPlan(scale, townships, links)


def _exact_sizes(rng: random.Random, count: int, total: int) -> list[int]:
    """Household sizes (1–6 people) that add up to exactly total."""
    sizes = rng.choices([1, 2, 3, 4, 5, 6], weights=[12, 32, 26, 18, 8, 4], k=count)
    diff = total - sum(sizes)
    while diff != 0:
        i = rng.randrange(count)
        if diff > 0 and sizes[i] < 6:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
    return sizes


def plan_households(plan: DistrictPlan, rng: random.Random, scale: int) -> None:
    """About 900 households per scale unit, with exactly the published poor and flood figures."""
    for village in plan.villages:
        count = VILLAGE_HOUSEHOLDS[village.base_name]
        clan = VILLAGE_CLANS[village.base_name]
        for n in range(1, count + 1):
            surname = clan if rng.random() < 0.35 else rng.choice(SURNAMES[:40])
            group = rng.randint(1, 8)
            village.households.append(PlannedHousehold(
                number=f"{village.code}{n:04d}",
                village=village,
                address=f"{village.name}{chinese_number(group)}组{rng.randint(1, 60)}号",
                surname=surname,
            ))
    households = plan.households
    total = len(households)
    order = list(range(total))
    rng.shuffle(order)
    both, poor_only = FLOOD_AND_POOR * scale, (POOR_HOUSEHOLDS - FLOOD_AND_POOR) * scale
    flood_only = (FLOOD_HOUSEHOLDS - FLOOD_AND_POOR) * scale
    for rank, i in enumerate(order):
        h = households[i]
        h.poor = rank < both + poor_only
        h.flood = rank < both or both + poor_only <= rank < both + poor_only + flood_only
    poor = [h for h in households if h.poor]
    other = [h for h in households if not h.poor]
    for h, size in zip(poor, _exact_sizes(rng, len(poor), POOR_PEOPLE * scale)):
        h.size = size
    for h, size in zip(other, _exact_sizes(rng, len(other), (PEOPLE - POOR_PEOPLE) * scale)):
        h.size = size

    for h in households:
        if h.poor:
            recorded = dt.date(2014, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
            h.flags.append(("registered_poor", recorded, POOR_NOTE))
        if h.flood:
            h.flags.append(("flood_affected", FLOOD_DAY, FLOOD_NOTE))
    _add_flag(rng, households, "monitoring", MONITORING * scale, dt.date(2021, 3, 1), dt.date(2025, 10, 31))
    _add_flag(rng, households, "low_income", LOW_INCOME * scale, dt.date(2016, 1, 1), dt.date(2025, 6, 30))
    _add_flag(rng, households, "zero_employment", ZERO_EMPLOYMENT * scale, dt.date(2019, 1, 1), dt.date(2025, 6, 30))
    _add_flag(rng, households, "disabled", DISABLED * scale, dt.date(2012, 1, 1), dt.date(2025, 6, 30))
    # Village cadres: households in no vulnerable group (they are excluded from posts anyway).
    plain = [h for h in households if not h.flags]
    for h in rng.sample(plain, min(CADRE * scale, len(plain))):
        h.cadre = True


def _add_flag(rng: random.Random, households: list[PlannedHousehold], flag: str, count: int,
              first: dt.date, last: dt.date) -> None:
    span = (last - first).days
    notes = {"monitoring": None, "low_income": "农村低保", "zero_employment": "零就业家庭",
             "disabled": "家庭成员持残疾证"}
    for h in rng.sample(households, count):
        note = rng.choice(MONITORING_NOTES) if flag == "monitoring" else notes[flag]
        h.flags.append((flag, first + dt.timedelta(days=rng.randrange(span)), note or ""))


def _given_name(rng: random.Random, sex: str) -> str:
    chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
    if rng.random() < 0.3:
        return rng.choice(chars)
    return rng.choice(chars) + rng.choice(chars)


def _birth_date(rng: random.Random, age: int, today: dt.date) -> dt.date:
    """A birth date giving exactly this age today."""
    latest = dt.date(today.year - age, 1, 1)
    while True:
        birth = latest + dt.timedelta(days=rng.randrange(366))
        if age_at(birth, today) == age:
            return birth
        birth = birth - dt.timedelta(days=rng.randrange(1, 365))
        if age_at(birth, today) == age:
            return birth


def _labour(rng: random.Random, age: int) -> str:
    if age < 50:
        weights = (5, 20, 75)
    elif age <= 60:
        weights = (10, 45, 45)
    else:
        weights = (30, 55, 15)
    return rng.choices((Labour.NONE.value, Labour.WEAK.value, Labour.FULL.value), weights=weights)[0]


def plan_people(plan: DistrictPlan, rng: random.Random, today: dt.date, unique: _Unique) -> None:
    """Made-up members aged 18–75 for every household: names, valid ID numbers, phones, labour."""
    for h in plan.households:
        head_age = rng.randint(40, 75) if h.size >= 3 else rng.randint(25, 75)
        head_sex = "M" if rng.random() < 0.8 else "F"
        ages_sexes = [(head_age, head_sex, True)]
        if h.size >= 2:
            spouse_age = min(75, max(18, head_age + rng.randint(-5, 3)))
            ages_sexes.append((spouse_age, "F" if head_sex == "M" else "M", False))
        for _k in range(h.size - len(ages_sexes)):
            child_age = head_age - rng.randint(20, 32)
            if child_age < 18:
                child_age = rng.randint(18, 30)
            sex = rng.choice("MF")
            # Sons keep the family name; a daughter-in-law (or son-in-law) brings another.
            ages_sexes.append((child_age, sex, rng.random() < 0.75))
        for age, sex, family_name in ages_sexes:
            surname = h.surname if family_name else rng.choice(SURNAMES)
            birth = _birth_date(rng, age, today)
            labour = _labour(rng, age)
            away = labour == Labour.FULL.value and age < 50 and rng.random() < 0.3
            stable = not away and age < 55 and rng.random() < 0.06
            h.members.append(PlannedPerson(
                name=surname + _given_name(rng, sex),
                id_number=unique.id_number(birth, sex),
                birth_date=birth,
                sex=sex,
                phone=unique.phone(),
                labour=labour,
                away_working=away,
                stable_employment=stable,
            ))


def _deal(rng: random.Random, villages: list[str], slots: list[int]) -> dict[str, list[int]]:
    """Spread one kind's posts (given by their slots) over the listed villages, round robin."""
    slots = slots[:]
    rng.shuffle(slots)
    out: dict[str, list[int]] = {v: [] for v in villages}
    for i, s in enumerate(slots):
        out[villages[i % len(villages)]].append(s)
    return out


def _warden_posts_per_village(total: int) -> dict[str, int]:
    """Road-warden posts per real village, by households (largest remainder), at least one each."""
    hh_total = sum(VILLAGE_HOUSEHOLDS.values())
    quotas = {v: total * n / hh_total for v, n in VILLAGE_HOUSEHOLDS.items()}
    counts = {v: max(1, int(q)) for v, q in quotas.items()}
    for v in sorted(quotas, key=lambda v: (quotas[v] - int(quotas[v])), reverse=True):
        if sum(counts.values()) >= total:
            break
        counts[v] += 1
    return counts


def plan_posts(plan: DistrictPlan, rng: random.Random, unique: _Unique) -> None:
    """Road sections of about 200 km per scale unit: ~70 posts and 90 slots, sized at ~3 km a warden."""
    warden_counts = _warden_posts_per_village(len(WARDEN_SLOTS))
    villages = {(v.base_name, v.copy): v for v in plan.villages}
    stems = {t.name: [stem(v.name) for v in t.villages] for t in plan.townships}
    township_numbers = {t.name: i for i, t in enumerate(plan.townships, start=1)}
    route_number = 0
    for copy in range(1, plan.scale + 1):
        # Each copy of the 13 villages gets the whole scale-1 set of posts, dealt afresh.
        warden_slots = WARDEN_SLOTS[:]
        rng.shuffle(warden_slots)
        cleaners = _deal(rng, list(CLEANER_VILLAGES), CLEANER_SLOTS)
        persuaders = _deal(rng, list(PERSUADER_VILLAGES), PERSUADER_SLOTS)
        taken = 0
        for base, count in warden_counts.items():
            kinds = [(PostKind.ROAD_WARDEN.value, s) for s in warden_slots[taken:taken + count]]
            taken += count
            kinds += [(PostKind.ROAD_CLEANER.value, s) for s in cleaners.get(base, [])]
            kinds += [(PostKind.SAFETY_PERSUADER.value, s) for s in persuaders.get(base, [])]
            village = villages[(base, copy)]
            route_number += 1
            _plan_village_posts(village, kinds, rng, unique, route_number, township_numbers[village.township.name],
                                stems[village.township.name])


def _plan_village_posts(village: PlannedVillage, kinds: list[tuple[str, int]], rng: random.Random,
                        unique: _Unique, route_number: int, township_number: int,
                        neighbours: list[str]) -> None:
    here = stem(village.name)
    chief = rng.choice(SURNAMES[:30]) + _given_name(rng, "M")
    chief_phone = unique.phone()
    point = f"{here}村部" if not village.name.endswith("居委会") else f"{here}社区服务中心"
    others = [n for n in neighbours if n != here] or [here]
    used = {point}
    for k, (kind, slots) in enumerate(kinds, start=1):
        # Village roads (C) are numbered per village, the odd township road (Y) per township.
        if k % 4 == 0:
            route_code = f"Y{township_number:03d}{AREA_CODE}"
        else:
            route_code = f"C{route_number:03d}{AREA_CODE}"
        if kind == PostKind.ROAD_WARDEN.value:
            km = Decimal(str(round(slots * rng.uniform(2.3, 2.8), 1)))
            # Sections follow each other along the road: each starts where the last one ended.
            end = point
            for _try in range(20):
                if end not in used:
                    break
                end = rng.choice([here, here, rng.choice(others)]) + rng.choice(PLACE_SUFFIXES)
            else:
                end = f"{here}{chinese_number(k)}组"
            used.add(end)
            start, point = point, end
            labour, min_age, max_age = Labour.WEAK.value, 18, 65 if rng.random() < 0.1 else 60
            days = rng.choices((20, 22, 8), weights=(80, 15, 5))[0]
            subsidy = rng.choices(("600", "500", "800"), weights=(80, 10, 10))[0]
        elif kind == PostKind.ROAD_CLEANER.value:
            km = Decimal(str(round(slots * rng.uniform(0.8, 1.6), 1)))
            start, end = f"{here}老街东口", f"{here}老街西口"
            labour, min_age, max_age = Labour.FULL.value, 18, 60
            days, subsidy = 22, rng.choice(("500", "600"))
        else:
            km = Decimal("0.5")
            start, end = f"{here}小学路口", f"{here}小学南100米"
            labour, min_age, max_age = Labour.WEAK.value, 18, 65
            days, subsidy = 8, "600"
        village.posts.append(PlannedPost(
            code=f"YA-{village.code[6:]}-{k:02d}",
            kind=kind,
            village=village,
            route_code=route_code,
            section_start=start,
            section_end=end,
            km=km,
            slots=slots,
            min_age=min_age,
            max_age=max_age,
            labour=labour,
            monthly_subsidy=Decimal(subsidy),
            required_days=days,
            road_chief=chief,
            road_chief_phone=chief_phone,
        ))


def _fits(person: PlannedPerson, post: PlannedPost, days: tuple[dt.date, ...]) -> bool:
    """人岗匹配 for the demo: age on every given day, labour, not away, not employed."""
    if person.away_working or person.stable_employment:
        return False
    if Labour(person.labour).rank < Labour(post.labour).rank:
        return False
    return all(post.min_age <= age_at(person.birth_date, d) <= post.max_age for d in days)


def choose_initial_holders(plan: DistrictPlan, rng: random.Random, days: tuple[dt.date, ...]) -> None:
    """Fill every slot from the post's own village, one post per household, mostly poor or flood households.

    Candidates are taken in priority order with some jitter, so most holders come from the
    top groups but a few come from further down, as in a real register.
    """
    for village in plan.villages:
        candidates = [h for h in village.households if not h.cadre]
        candidates.sort(key=lambda h: h.tier() + rng.random() * 2.2)
        used: set[str] = set()
        for post in village.posts:
            for h in candidates:
                if len(post.holders) == post.slots:
                    break
                if h.number in used:
                    continue
                fitting = [m for m in h.members if _fits(m, post, days)]
                if fitting:
                    person = rng.choice(fitting)
                    person.bank_name = rng.choice(BANKS)
                    person.bank_account = "6230" + "".join(str(rng.randrange(10)) for _i in range(15))
                    post.holders.append(person)
                    used.add(h.number)
            if len(post.holders) < post.slots:
                raise RuntimeError(f"demo district: not enough people in {village.name} for {post.code}")


def plan_district(*, today: dt.date, scale: int, rng: random.Random, term_days: tuple[dt.date, ...]) -> DistrictPlan:
    """Plan the whole register in memory (no database access)."""
    unique = _Unique(rng)
    plan = plan_places(scale)
    plan_households(plan, rng, scale)
    plan_people(plan, rng, today, unique)
    plan_posts(plan, rng, unique)
    choose_initial_holders(plan, rng, term_days)
    return plan


def _bulk_insert(model: type, rows: list[dict]) -> None:
    """Core executemany in batches: no ORM unit of work, no RETURNING (which SQLite would
    run row by row to keep the order)."""
    table = model.__table__  # type: ignore[attr-defined]
    for i in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[i:i + BATCH])


def _ids_by(model: type, *columns: str) -> dict[tuple, int]:
    """The new rows' ids, keyed by a unique key, in one query."""
    key_cols = [getattr(model, c) for c in columns]
    return {tuple(row[1:]): row[0] for row in db.session.execute(select(model.id, *key_cols))}  # type: ignore[attr-defined]


def write_places(plan: DistrictPlan) -> None:
    """Insert townships, villages and both directions of every neighbour link."""
    _bulk_insert(Township, [{"name": t.name, "code": t.code} for t in plan.townships])
    township_ids = _ids_by(Township, "name")
    for t in plan.townships:
        t.id = township_ids[(t.name,)]
    villages = plan.villages
    _bulk_insert(Village, [{"township_id": v.township.id, "name": v.name, "code": v.code} for v in villages])
    village_ids = _ids_by(Village, "township_id", "name")
    for v in villages:
        v.id = village_ids[(v.township.id, v.name)]
    pairs = []
    for a, b in plan.links:
        pairs.append({"village_id": a.id, "neighbour_id": b.id})
        pairs.append({"village_id": b.id, "neighbour_id": a.id})
    db.session.execute(insert(village_neighbour), pairs)


def write_households_and_people(plan: DistrictPlan) -> None:
    """Bulk insert households, their flags and their members."""
    households = plan.households
    _bulk_insert(Household, [
        {"number": h.number, "village_id": h.village.id, "address": h.address, "cadre": h.cadre}
        for h in households
    ])
    household_ids = _ids_by(Household, "number")
    for h in households:
        h.id = household_ids[(h.number,)]
    flag_rows = [
        {"household_id": h.id, "flag": flag, "recorded_on": day, "note": note or None, "source": SOURCE}
        for h in households for flag, day, note in h.flags
    ]
    _bulk_insert(HouseholdFlag, flag_rows)
    people = [(h, m) for h in households for m in h.members]
    _bulk_insert(Person, [
        {
            "name": m.name,
            "name_initials": name_initials(m.name),
            "id_number": m.id_number,
            "id_last4": m.id_number[-4:],
            "birth_date": m.birth_date,
            "sex": m.sex,
            "phone": m.phone,
            "household_id": h.id,
            "labour": m.labour,
            "away_working": m.away_working,
            "stable_employment": m.stable_employment,
            "bank_name": m.bank_name,
            "bank_account": m.bank_account,
        }
        for h, m in people
    ])
    person_ids = _ids_by(Person, "id_number")
    for _h, m in people:
        m.id = person_ids[(m.id_number,)]


def write_posts(plan: DistrictPlan) -> None:
    posts = plan.posts
    _bulk_insert(Post, [
        {
            "code": p.code, "kind": p.kind, "village_id": p.village.id, "route_code": p.route_code,
            "section_start": p.section_start, "section_end": p.section_end, "km": p.km,
            "slots": p.slots, "min_age": p.min_age, "max_age": p.max_age, "labour": p.labour,
            "monthly_subsidy": p.monthly_subsidy, "required_days": p.required_days,
            "road_chief": p.road_chief, "road_chief_phone": p.road_chief_phone,
        }
        for p in posts
    ])
    post_ids = _ids_by(Post, "code")
    for p in posts:
        p.id = post_ids[(p.code,)]


@dataclass
class Holding:
    """One written assignment, with what attendance needs to know about it."""

    assignment_id: int
    person: PlannedPerson
    post: PlannedPost
    term_start: dt.date
    term_end: dt.date


def write_assignments(plan: DistrictPlan, years: list[int]) -> list[Holding]:
    """One-year agreements (一年一聘, origin initial) for every holder, for each given year."""
    plan_rows: list[tuple[PlannedPerson, PlannedPost, dt.date, dt.date]] = [
        (person, post, dt.date(year, 1, 1), dt.date(year, 12, 31))
        for year in years for post in plan.posts for person in post.holders
    ]
    _bulk_insert(Assignment, [
        {"person_id": person.id, "post_id": post.id, "term_start": first, "term_end": last,
         "origin": Origin.INITIAL.value}
        for person, post, first, last in plan_rows
    ])
    ids = _ids_by(Assignment, "person_id", "post_id", "term_start")
    return [Holding(ids[(person.id, post.id, first)], person, post, first, last)
            for person, post, first, last in plan_rows]
