"""The demo city: Sanmenxia (三门峡市), its petition bureau, 20 departments, 8 counties, oversight and
the discipline-inspection body."""

from dataclasses import dataclass

from tenants.models import AgencyKind


@dataclass(frozen=True)
class AgencySpec:
    code: str
    kind: str
    name_zh: str
    name_en: str
    responsibilities: str = ""
    keywords: str = ""
    short: str = ""
    part_of: str = ""  # the code of the agency this one belongs to (an internal office)

    @property
    def short_name(self) -> str:
        """The prefix of document numbers (三信转〔2026〕15号), derived when not given."""
        if self.short:
            return self.short
        name = self.name_zh.removeprefix("三门峡市")
        return ("三" if self.kind == AgencyKind.DEPARTMENT else "") + name[0] + "信"


BUREAU = AgencySpec(
    "xfj",
    AgencyKind.BUREAU,
    "三门峡市信访局",
    "Sanmenxia Petition Bureau",
    "受理、登记、转送、交办信访事项，督促检查信访事项的处理。",
    "",
    "三信",
)
OVERSIGHT = AgencySpec(
    "dcs",
    AgencyKind.OVERSIGHT,
    "三门峡市信访局督查室",
    "Sanmenxia Petition Supervision Office",
    "督查督办信访事项办理，通报各单位工作情况。",
    "",
    "三信督",
    part_of="xfj",  # the bureau's own supervision office: one unit with the bureau
)
# 纪检监察机关 (信访工作条例 art. 22 ¶2, art. 30): reports of misconduct by officials, and every report
# against the bureau itself, are handled here. Not in the 民生服务室: matters reach it by routing.
DISCIPLINE = AgencySpec(
    "jjw",
    AgencyKind.DISCIPLINE,
    "中共三门峡市纪律检查委员会 三门峡市监察委员会",
    "Sanmenxia Commission for Discipline Inspection and Supervision",
    "受理对党组织、党员和监察对象违纪违法行为的检举控告。",
    "",
    "三纪",
)

DEPARTMENTS = [
    AgencySpec(
        "gaj",
        AgencyKind.DEPARTMENT,
        "三门峡市公安局",
        "Public Security Bureau",
        "治安、户籍、交通管理、出入境、执法监督。",
        "派出所,户口,户籍,治安,报警,交警,违章,驾驶证,身份证",
    ),
    AgencySpec(
        "jyj",
        AgencyKind.DEPARTMENT,
        "三门峡市教育局",
        "Education Bureau",
        "学前及中小学教育、招生入学、教师管理、校园安全。",
        "学校,教师,入学,招生,学籍,幼儿园,补课,校车",
    ),
    AgencySpec(
        "zjj",
        AgencyKind.DEPARTMENT,
        "三门峡市住房和城乡建设局",
        "Housing and Urban-Rural Development Bureau",
        "商品房、物业、建筑工程质量、住房保障、燃气。",
        "物业,房产,商品房,开发商,延期交房,房产证,公租房,燃气,小区",
    ),
    AgencySpec(
        "rsj",
        AgencyKind.DEPARTMENT,
        "三门峡市人力资源和社会保障局",
        "Human Resources and Social Security Bureau",
        "劳动关系、欠薪、社会保险、就业、劳动仲裁。",
        "工资,欠薪,拖欠,社保,养老保险,劳动合同,工伤,失业,招聘",
    ),
    AgencySpec(
        "zrj",
        AgencyKind.DEPARTMENT,
        "三门峡市自然资源和规划局",
        "Natural Resources and Planning Bureau",
        "土地、不动产登记、规划许可、矿产资源。",
        "土地,宅基地,不动产登记,规划,违建,征地,矿山",
    ),
    AgencySpec(
        "sthj",
        AgencyKind.DEPARTMENT,
        "三门峡市生态环境局",
        "Ecology and Environment Bureau",
        "大气、水、噪声、固废污染防治与执法。",
        "污染,噪音,噪声,排污,异味,废水,废气,扬尘,环保",
    ),
    AgencySpec(
        "jtj",
        AgencyKind.DEPARTMENT,
        "三门峡市交通运输局",
        "Transport Bureau",
        "道路运输、公交出租、公路建设养护。",
        "公交,出租车,网约车,道路,公路,客运,货运",
    ),
    AgencySpec(
        "cgj",
        AgencyKind.DEPARTMENT,
        "三门峡市城市管理局",
        "Urban Management Bureau",
        "市容环卫、占道经营、城市照明、园林绿化。",
        "城管,占道,摊贩,垃圾,路灯,绿化,广告牌",
    ),
    AgencySpec(
        "scj",
        AgencyKind.DEPARTMENT,
        "三门峡市市场监督管理局",
        "Market Regulation Bureau",
        "食品药品安全、消费维权、价格、计量、特种设备。",
        "食品,假冒,消费,价格,退款,商家,过期,电梯",
    ),
    AgencySpec(
        "wjw",
        AgencyKind.DEPARTMENT,
        "三门峡市卫生健康委员会",
        "Health Commission",
        "医疗服务、医患纠纷、公共卫生、计划生育。",
        "医院,医生,医疗,看病,医患,卫生,疫苗",
    ),
    AgencySpec(
        "mzj",
        AgencyKind.DEPARTMENT,
        "三门峡市民政局",
        "Civil Affairs Bureau",
        "低保、救助、养老服务、婚姻登记、殡葬。",
        "低保,救助,养老院,婚姻登记,殡葬,残疾,困难补助",
    ),
    AgencySpec(
        "czj",
        AgencyKind.DEPARTMENT,
        "三门峡市财政局",
        "Finance Bureau",
        "财政资金、补贴发放、政府采购。",
        "补贴,财政,资金,政府采购,专项资金",
    ),
    AgencySpec(
        "nyj",
        AgencyKind.DEPARTMENT,
        "三门峡市农业农村局",
        "Agriculture and Rural Affairs Bureau",
        "农村土地承包、农资、惠农补贴、农村集体资产。",
        "承包地,农资,种子,化肥,惠农,集体资产,合作社",
    ),
    AgencySpec(
        "slj",
        AgencyKind.DEPARTMENT,
        "三门峡市水利局",
        "Water Resources Bureau",
        "水利工程、防汛、河道管理、农村饮水。",
        "水库,河道,防汛,饮水,灌溉,采砂",
    ),
    AgencySpec(
        "swj",
        AgencyKind.DEPARTMENT,
        "三门峡市商务局",
        "Commerce Bureau",
        "商贸流通、预付卡、外资外贸。",
        "预付卡,商场,超市,外贸,成品油",
    ),
    AgencySpec(
        "wlj",
        AgencyKind.DEPARTMENT,
        "三门峡市文化广电和旅游局",
        "Culture, Radio, Television and Tourism Bureau",
        "文化市场、旅游投诉、广播电视。",
        "旅游,景区,导游,网吧,演出,文物",
    ),
    AgencySpec(
        "yjj",
        AgencyKind.DEPARTMENT,
        "三门峡市应急管理局",
        "Emergency Management Bureau",
        "安全生产、危化品、应急救援。",
        "安全生产,危险化学品,事故,矿难,消防通道",
    ),
    AgencySpec(
        "sfj",
        AgencyKind.DEPARTMENT,
        "三门峡市司法局",
        "Justice Bureau",
        "法律援助、人民调解、律师公证管理。",
        "法律援助,调解,律师,公证,社区矫正",
    ),
    AgencySpec(
        "tjj",
        AgencyKind.DEPARTMENT,
        "三门峡市退役军人事务局",
        "Veterans Affairs Bureau",
        "退役军人安置、优抚、褒扬。",
        "退伍,退役军人,优抚,安置,伤残军人",
    ),
    AgencySpec(
        "ybj",
        AgencyKind.DEPARTMENT,
        "三门峡市医疗保障局",
        "Healthcare Security Bureau",
        "医保缴费、报销、定点机构监管。",
        "医保,报销,医疗保险,异地就医,药品目录",
    ),
]

COUNTIES = [
    AgencySpec(
        "hbq", AgencyKind.COUNTY, "湖滨区人民政府", "Hubin District", "湖滨区辖区内信访事项。", "湖滨"
    ),
    AgencySpec(
        "szq", AgencyKind.COUNTY, "陕州区人民政府", "Shanzhou District", "陕州区辖区内信访事项。", "陕州"
    ),
    AgencySpec("yms", AgencyKind.COUNTY, "义马市人民政府", "Yima City", "义马市辖区内信访事项。", "义马"),
    AgencySpec("lbs", AgencyKind.COUNTY, "灵宝市人民政府", "Lingbao City", "灵宝市辖区内信访事项。", "灵宝"),
    AgencySpec(
        "mcx", AgencyKind.COUNTY, "渑池县人民政府", "Mianchi County", "渑池县辖区内信访事项。", "渑池"
    ),
    AgencySpec("lsx", AgencyKind.COUNTY, "卢氏县人民政府", "Lushi County", "卢氏县辖区内信访事项。", "卢氏"),
    AgencySpec(
        "kfq",
        AgencyKind.COUNTY,
        "三门峡经济开发区管委会",
        "Sanmenxia Economic Development Zone",
        "经济开发区辖区内信访事项。",
        "开发区",
    ),
    AgencySpec(
        "sfq",
        AgencyKind.COUNTY,
        "三门峡市城乡一体化示范区管委会",
        "Urban-Rural Integration Demonstration Zone",
        "示范区辖区内信访事项。",
        "示范区",
    ),
]

# Bureau first, then departments and counties (the 28 agencies of the 民生服务室), oversight, and the
# discipline-inspection body last.
CITY = [BUREAU, *DEPARTMENTS, *COUNTIES, OVERSIGHT, DISCIPLINE]


# --- The review hierarchy (信访工作条例 arts. 35-36) -----------------------------------------------------


@dataclass(frozen=True)
class ReviewBodySpec:
    code: str
    name_zh: str
    name_en: str
    agency: str = ""  # the hall agency that decides for it; "": outside the hall (handed off)
    above: str = ""  # the body that re-reviews its review opinions (art. 36)


# Review by the level above the body that handled the matter (art. 35), re-review by the level above
# the review body (art. 36). The city government's reviews are decided in the hall by the bureau, which
# acts for it (its 复查复核 office); the bureau's own direct replies therefore go to the level above the
# bureau in the petition system, the provincial bureau, so the bureau never reviews itself. Everything
# above the city is outside the hall.
REVIEW_BODIES = [
    ReviewBodySpec("hn-gov", "河南省人民政府", "Henan Provincial People's Government"),
    ReviewBodySpec("hn-xfj", "河南省信访局", "Henan Provincial Petition Bureau", above="hn-gov"),
    ReviewBodySpec(
        "smx-gov", "三门峡市人民政府", "Sanmenxia Municipal People's Government", agency="xfj", above="hn-gov"
    ),
    ReviewBodySpec(
        "ccdi",
        "中共中央纪律检查委员会 国家监察委员会",
        "Central Commission for Discipline Inspection, National Supervisory Commission",
    ),
    ReviewBodySpec(
        "hn-jjw",
        "中共河南省纪律检查委员会 河南省监察委员会",
        "Henan Commission for Discipline Inspection and Supervision",
        above="ccdi",
    ),
]
# Each kind of agency's 上级机关 by default (the bureau's admin may change any agency's).
DEFAULT_REVIEW_BODY: dict[str, str] = {
    AgencyKind.BUREAU: "hn-xfj",
    AgencyKind.DEPARTMENT: "smx-gov",
    AgencyKind.COUNTY: "smx-gov",
    AgencyKind.DISCIPLINE: "hn-jjw",
}
