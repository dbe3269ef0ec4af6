"""Word pools for generated names: plausible Chinese and English, never real entities."""

CITY_NAMES = {"chengdu": ("成都", "Chengdu"), "yibin": ("宜宾", "Yibin")}

DISTRICTS = {
    "chengdu": [
        ("锦江区", "Jinjiang"),
        ("青羊区", "Qingyang"),
        ("金牛区", "Jinniu"),
        ("武侯区", "Wuhou"),
        ("成华区", "Chenghua"),
        ("龙泉驿区", "Longquanyi"),
        ("新都区", "Xindu"),
        ("温江区", "Wenjiang"),
        ("双流区", "Shuangliu"),
        ("郫都区", "Pidu"),
    ],
    "yibin": [
        ("翠屏区", "Cuiping"),
        ("南溪区", "Nanxi"),
        ("叙州区", "Xuzhou"),
        ("江安县", "Jiang'an"),
        ("长宁县", "Changning"),
        ("高县", "Gaoxian"),
        ("珙县", "Gongxian"),
        ("筠连县", "Junlian"),
        ("兴文县", "Xingwen"),
        ("屏山县", "Pingshan"),
    ],
}

# (Chinese suffix, English suffix, organisation kind)
ORG_TYPES = [
    ("发展和改革局", "Development and Reform Bureau", "bureau"),
    ("经济和信息化局", "Economy and Information Technology Bureau", "bureau"),
    ("商务局", "Commerce Bureau", "bureau"),
    ("交通运输局", "Transport Bureau", "bureau"),
    ("文化广电旅游局", "Culture and Tourism Bureau", "bureau"),
    ("投资集团有限公司", "Investment Group Co., Ltd.", "state_enterprise"),
    ("产业园区管委会", "Industrial Park Administration", "development_zone"),
    ("公共服务平台", "Public Service Platform", "platform"),
    ("项目建设有限公司", "Project Construction Co., Ltd.", "project_company"),
]

SECTORS = [
    ("装备制造", "equipment manufacturing"),
    ("新能源汽车", "new-energy vehicles"),
    ("智能终端", "smart devices"),
    ("现代物流", "modern logistics"),
    ("港口联运", "port intermodal transport"),
    ("职业教育", "vocational education"),
    ("医疗卫生", "healthcare"),
    ("文化旅游", "culture and tourism"),
    ("数字经济", "digital economy"),
    ("绿色食品", "green food"),
    ("白酒产业", "baijiu industry"),
    ("金融服务", "financial services"),
]

ACTIONS = [
    ("共建", "Jointly build"),
    ("推进", "Advance"),
    ("协同发展", "Co-develop"),
    ("合作开展", "Cooperate on"),
    ("联合打造", "Jointly create"),
]

OBJECTS = [
    ("产业园", "an industrial park"),
    ("合作平台", "a cooperation platform"),
    ("示范项目", "a pilot project"),
    ("人才交流机制", "a talent exchange scheme"),
    ("信息共享系统", "an information-sharing system"),
    ("招商引资专班", "an investment promotion task force"),
]

MILESTONES = [
    ("完成可行性研究", "Feasibility study completed"),
    ("签订项目协议", "Project agreement signed"),
    ("完成立项审批", "Project approval obtained"),
    ("开工建设", "Construction started"),
    ("主体工程完工", "Main works completed"),
    ("投入运营", "Put into operation"),
]

NARRATIVES = [
    "按计划推进，本期完成阶段性工作。",
    "两地牵头单位已召开专题协调会，明确下一步分工。",
    "土地与规划手续正在办理中。",
    "资金已部分到位，正在开展招标工作。",
    "受审批进度影响，部分工作有所延后。",
]

RISKS = [
    "",
    "",
    "审批周期存在不确定性。",
    "配套资金尚未全部落实。",
    "跨市协调事项需市级层面推动。",
]

NEXT_STEPS = [
    "下一阶段完成方案评审。",
    "督办相关单位按期报送材料。",
    "召开联络员会议对接推进事项。",
    "开展现场调研并形成报告。",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华红玉兰"
