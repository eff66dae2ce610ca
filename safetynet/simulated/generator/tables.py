"""Static tables the demo-city generator draws from: names, banks, districts, distributions.

Nothing here is real personal data: surnames and given-name characters are the common ones, the
banks are the 20 that a verification centre typically connects to (names only), and every other
attribute is drawn at random.
"""

# Surnames with rough relative frequencies for southern Fujian (陈, 林, 黄 lead there), plus a few
# two-character surnames so that name handling is exercised.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("陈", 11.0),
    ("林", 8.5),
    ("黄", 6.0),
    ("张", 4.2),
    ("李", 4.0),
    ("王", 3.6),
    ("吴", 3.2),
    ("郑", 2.8),
    ("刘", 2.6),
    ("蔡", 2.4),
    ("杨", 2.2),
    ("许", 2.0),
    ("洪", 1.9),
    ("苏", 1.7),
    ("叶", 1.6),
    ("谢", 1.5),
    ("庄", 1.4),
    ("周", 1.4),
    ("曾", 1.3),
    ("郭", 1.3),
    ("徐", 1.2),
    ("柯", 1.1),
    ("江", 1.1),
    ("杜", 1.0),
    ("卢", 1.0),
    ("邱", 1.0),
    ("方", 0.9),
    ("朱", 0.9),
    ("何", 0.9),
    ("罗", 0.8),
    ("高", 0.8),
    ("胡", 0.8),
    ("赵", 0.8),
    ("孙", 0.7),
    ("施", 0.7),
    ("颜", 0.7),
    ("詹", 0.6),
    ("傅", 0.6),
    ("彭", 0.6),
    ("余", 0.6),
    ("魏", 0.6),
    ("邓", 0.5),
    ("沈", 0.5),
    ("曹", 0.5),
    ("戴", 0.5),
    ("纪", 0.5),
    ("蒋", 0.4),
    ("潘", 0.4),
    ("钟", 0.4),
    ("范", 0.4),
    ("马", 0.4),
    ("肖", 0.4),
    ("康", 0.4),
    ("白", 0.3),
    ("阮", 0.3),
    ("卓", 0.3),
    ("董", 0.3),
    ("丁", 0.3),
    ("唐", 0.3),
    ("田", 0.3),
    ("袁", 0.3),
    ("汪", 0.3),
    ("韩", 0.3),
    ("冯", 0.3),
    ("邹", 0.3),
    ("石", 0.3),
    ("吕", 0.3),
    ("游", 0.3),
    ("温", 0.2),
    ("姚", 0.2),
    ("廖", 0.2),
    ("薛", 0.2),
    ("宋", 0.2),
    ("程", 0.2),
    ("骆", 0.2),
    ("倪", 0.2),
    ("严", 0.2),
    ("欧阳", 0.08),
    ("司马", 0.02),
    ("上官", 0.02),
    ("诸葛", 0.01),
)

# Given-name characters by sex (a name is one or two of them).
GIVEN_MALE = tuple(
    "伟强磊军勇杰涛斌超明辉鹏华建文志国平东海峰波宇浩俊龙林亮成荣"
    "新春福清忠德坤宏昌金山永水生祥顺发泉兴旺宗家晨轩睿子博航哲翔"
)
GIVEN_FEMALE = tuple(
    "芳娜敏静丽艳娟霞秀玲燕红婷梅莉兰萍雪琳凤慧洁佳琴云颖倩欣怡美"
    "月珍丹宁璐瑶雯晶淑惠彩素碧玉桂香英华春秋雅诗梓涵萱悦可思"
)

# The 20 banks connected to the verification centre over dedicated lines (PolICY §2).
BANKS: tuple[tuple[str, str], ...] = (
    ("ICBC", "中国工商银行"),
    ("ABC", "中国农业银行"),
    ("BOC", "中国银行"),
    ("CCB", "中国建设银行"),
    ("BOCOM", "交通银行"),
    ("PSBC", "中国邮政储蓄银行"),
    ("CMB", "招商银行"),
    ("CIB", "兴业银行"),
    ("CITIC", "中信银行"),
    ("CEB", "中国光大银行"),
    ("CMBC", "中国民生银行"),
    ("SPDB", "上海浦东发展银行"),
    ("HXB", "华夏银行"),
    ("PAB", "平安银行"),
    ("CGB", "广发银行"),
    ("XMB", "厦门银行"),
    ("XMIB", "厦门国际银行"),
    ("XMRCB", "厦门农村商业银行"),
    ("FJHXB", "福建海峡银行"),
    ("CZB", "浙商银行"),
)
# Relative share of accounts by bank (the big state banks and the local ones dominate).
BANK_WEIGHTS = (12, 9, 9, 11, 5, 8, 6, 8, 3, 3, 3, 3, 2, 3, 2, 5, 2, 4, 1, 1)

# Resident population of Xiamen's districts, 2020 census (thousands): the district weights.
DISTRICT_POPULATION_K = {
    "350203": 1073,  # 思明区
    "350205": 582,  # 海沧区
    "350206": 1036,  # 湖里区
    "350211": 1036,  # 集美区
    "350212": 856,  # 同安区
    "350213": 580,  # 翔安区
}

DISTRICT_PLATE = "闽D"  # Xiamen's licence-plate prefix
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O

# Household size 1..6 (2020 census: average 2.62 persons, one-person households about a quarter).
HOUSEHOLD_SIZE_PMF = (0.25, 0.30, 0.22, 0.13, 0.07, 0.03)

RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
DISABILITY_KINDS = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
# Shares of disability kinds (second national sample survey of disability, 2006).
DISABILITY_KIND_PMF = (0.14, 0.24, 0.015, 0.30, 0.07, 0.07, 0.165)
DISABILITY_GRADE_PMF = (0.10, 0.20, 0.30, 0.40)  # grade 1 (most severe) .. 4
ENTITLED_KINDS = ("disabled_serviceman", "martyr_family", "veteran", "other_entitled")

LEGAL_BASIS = {
    "dibao": "《社会救助暂行办法》第二章；厦门市最低生活保障办法",
    "tekun": "《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）",
    "low_income": "《厦门市低收入家庭认定办法》",
    "illness_poverty": "厦门市因病支出型贫困家庭救助办法（2017）",
    "left_behind_child": "《国务院关于加强农村留守儿童关爱保护工作的意见》（国发〔2016〕13号）",
    "entitled_group": "《军人抚恤优待条例》",
    "five_elders": "厦门市革命“五老”人员生活补助规定",
    "retired_40pct": "60年代精减退职职工生活困难救济规定（40%救济）",
    "silicosis": "厦门市矽肺病人救济规定",
    "elderly_80": "厦门市高龄老人生活补贴制度（厦民〔2016〕）",
    "disabled": "《残疾人保障法》；困难残疾人生活补贴和重度残疾人护理补贴制度",
    "deceased": "厦府办〔2016〕103号 基本殡葬服务费用免除",
}

FUNERAL_HOMES = ("厦门市殡仪馆", "同安区殡仪馆", "翔安区殡仪馆")
BROKERS = ("兴业证券", "华福证券", "国泰君安证券", "中信证券", "海通证券", "招商证券")
EMPLOYER_KINDS = (
    "科技有限公司",
    "贸易有限公司",
    "物业管理有限公司",
    "餐饮管理有限公司",
    "建设工程有限公司",
    "电子有限公司",
    "物流有限公司",
    "酒店管理有限公司",
)
BUSINESS_KINDS = ("商行", "餐馆", "便利店", "五金店", "服装店", "水产店", "汽车维修部", "茶叶店")
