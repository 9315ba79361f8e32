"""Hand-written vocabulary for the demo world: people, note templates, comments, products.

Three voices: ``hant`` (Traditional Chinese, Taiwan and Hong Kong), ``hans`` (Simplified
Chinese, mainland) and ``en``. Each voice is written by hand, not converted, so that the
wording differs the way it does in real posts (性价比 vs CP值, 地铁 vs 捷運, 斤 vs 公斤).

Templates use ``str.format`` fields naming a slot pool (``{dish}``); a trailing digit
(``{dish2}``) asks for a different value from the same pool. Pools are ``|``-separated; a
pool may be keyed by region (``tw``, ``hk``, ``cn``) when the wording depends on the city.
This module is data only; ``world.py`` does the drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

VOICE_OF_LOCALE = {"zh_Hant": "hant", "zh_Hans": "hans", "en": "en"}


def lines(block: str) -> tuple[str, ...]:
    """One entry per non-empty line, surrounding whitespace removed."""
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())


def pool(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    locale: str
    region: str
    topics: tuple[str, ...]
    bio: str


DEMO = Persona("demo", "示範帳號", "zh_Hant", "tw", ("food", "coffee", "travel"),
               "這是示範帳號，密碼是 demo-password，隨意逛逛吧！")
ADMIN = Persona("admin", "種草管理員", "zh_Hant", "tw", ("home",), "社群管理員｜有問題請私訊")

# Interleaved so that any prefix of the list mixes scripts, regions and topics.
PERSONAS: tuple[Persona, ...] = tuple(Persona(*row) for row in (
    ("xiaomei_eats", "小美愛吃", "zh_Hant", "tw", ("food", "coffee"), "台北上班族｜下班就是要吃好料"),
    ("shanghai_lily", "莉莉在上海", "zh_Hans", "cn", ("outfit", "beauty"), "上海打工人｜小个子穿搭日记"),
    ("hk_hiker", "阿峰行山", "zh_Hant", "hk", ("travel", "fitness"), "香港行山人，週末不在山上就在海邊"),
    ("chengdu_foodie", "成都吃货小王", "zh_Hans", "cn", ("food",), "成都土著｜只推荐自己吃过的店"),
    ("coffee_lab_tw", "咖啡實驗室", "zh_Hant", "tw", ("coffee",), "手沖愛好者｜分享豆子與咖啡廳"),
    ("mia_reads", "Mia", "en", "hk", ("reading", "coffee"), "Bookworm in Hong Kong. Coffee, novels, repeat."),
    ("lipstick_queen", "口红收藏家阿琳", "zh_Hans", "cn", ("beauty",), "黄皮姐妹的试色博主｜只说真话"),
    ("taipei_home", "小窩日記", "zh_Hant", "tw", ("home",), "租屋族的佈置筆記"),
    ("gadget_leo", "Leo玩数码", "zh_Hans", "cn", ("digital",), "数码爱好者｜不吹不黑"),
    ("shiba_mochi", "麻糬的媽", "zh_Hant", "tw", ("pets",), "柴犬麻糬的日常紀錄"),
    ("gym_rat_kai", "阿凱健身日常", "zh_Hant", "tw", ("fitness",), "上班族增肌中｜一週三練"),
    ("hangzhou_slow", "杭州慢生活", "zh_Hans", "cn", ("coffee", "home"), "在杭州过慢生活"),
    ("ootd_jess", "Jess穿搭", "zh_Hant", "hk", ("outfit",), "158cm｜香港小個子穿搭"),
    ("camping_dad", "露營老爸", "zh_Hant", "tw", ("travel",), "帶兩個小孩上山露營的爸爸"),
    ("beijing_runner", "北京跑者", "zh_Hans", "cn", ("fitness", "travel"), "每天5公里｜半马PB 1:45"),
    ("cat_doudou", "豆豆和猫", "zh_Hans", "cn", ("pets", "home"), "两只猫的铲屎官"),
    ("skincare_nana", "娜娜保養筆記", "zh_Hant", "tw", ("beauty",), "敏感肌｜保養品實測"),
    ("bookish_chen", "陈同学读书", "zh_Hans", "cn", ("reading",), "每月读五本书的研究生"),
    ("sam_techie", "Sam", "en", "tw", ("digital", "coffee"), "Software engineer in Taipei. Desk setups."),
    ("dimsum_daily", "點心日報", "zh_Hant", "hk", ("food",), "香港美食｜茶餐廳與小店"),
    ("guangzhou_ahua", "阿华在广州", "zh_Hans", "cn", ("food", "travel"), "广州仔｜早茶和周末短途"),
    ("plant_mama", "植物系女子", "zh_Hant", "tw", ("home", "reading"), "陽台種了二十盆植物"),
    ("yoga_yuki", "瑜伽Yuki", "zh_Hans", "cn", ("fitness", "beauty"), "瑜伽老师｜身心平衡"),
    ("vintage_ann", "安的古著櫃", "zh_Hant", "tw", ("outfit", "home"), "古著與二手選物"),
    ("shenzhen_geek", "深圳极客", "zh_Hans", "cn", ("digital",), "硬件工程师｜开箱测评"),
    ("corgi_butter", "奶油柯基", "zh_Hant", "hk", ("pets",), "柯基奶油的香港生活"),
    ("chloe_travels", "Chloe", "en", "hk", ("travel", "food"), "Weekend trips around Asia."),
    ("latte_art_jun", "阿俊拉花", "zh_Hans", "cn", ("coffee",), "咖啡师｜拉花练习中"),
    ("momo_makeup", "Momo化妝間", "zh_Hant", "tw", ("beauty", "outfit"), "彩妝師｜五分鐘出門妝"),
    ("chongqing_spicy", "重庆辣妹子", "zh_Hans", "cn", ("food",), "无辣不欢的重庆姑娘"),
    ("hiking_wen", "文文爬山", "zh_Hant", "tw", ("travel", "fitness"), "台灣百岳進行中 12/100"),
    ("nanjing_books", "南京书房", "zh_Hans", "cn", ("reading", "coffee"), "独立书店店员"),
    ("hk_homebody", "宅在香港", "zh_Hant", "hk", ("home", "digital"), "三百呎的小屋生活"),
    ("run_with_tina", "Tina跑步", "zh_Hant", "tw", ("fitness",), "慢跑五年｜全馬完賽"),
    ("xiamen_sea", "厦门看海", "zh_Hans", "cn", ("travel", "coffee"), "住在海边的自由职业者"),
    ("golden_lucky", "Lucky的日常", "zh_Hans", "cn", ("pets",), "金毛Lucky｜大暖男"),
    ("ben_eats_hk", "Ben", "en", "hk", ("food",), "Hong Kong food diary. Cha chaan teng forever."),
    ("tainan_snack", "台南小吃地圖", "zh_Hant", "tw", ("food",), "台南人｜古早味小吃全收錄"),
    ("wuhan_outfit", "武汉穿搭日记", "zh_Hans", "cn", ("outfit",), "160｜通勤穿搭分享"),
    ("desk_setup_ray", "Ray的桌面", "zh_Hant", "tw", ("digital", "home"), "桌面改造愛好者"),
    ("cozy_li", "小李的家", "zh_Hans", "cn", ("home",), "90平老房改造中"),
    ("bubu_cat", "布布貓", "zh_Hant", "tw", ("pets", "coffee"), "貓咪布布與咖啡"),
    ("suzhou_jing", "苏州阿静", "zh_Hans", "cn", ("reading", "travel"), "园林、书和慢节奏"),
    ("emma_glow", "Emma", "en", "hk", ("beauty", "fitness"), "Skincare nerd. Pilates 3x a week."),
    ("saikung_sea", "西貢海邊", "zh_Hant", "hk", ("travel", "food"), "西貢住民｜海鮮與行山"),
    ("changsha_tea", "长沙奶茶控", "zh_Hans", "cn", ("food", "coffee"), "奶茶和咖啡都要"),
    ("minimal_yuan", "极简的圆", "zh_Hans", "cn", ("home", "outfit"), "极简生活实践者"),
    ("taichung_lens", "台中拍拍", "zh_Hant", "tw", ("digital", "travel"), "業餘攝影｜相機與旅行"),
    ("qingdao_fit", "青岛健身房", "zh_Hans", "cn", ("fitness",), "私教｜增肌减脂"),
    ("hsinchu_hong", "竹科阿宏", "zh_Hant", "tw", ("digital", "fitness"), "工程師｜3C與健身"),
    ("xian_foodmap", "西安美食地图", "zh_Hans", "cn", ("food", "travel"), "肉夹馍和凉皮的忠实粉丝"),
    ("kowloon_kate", "Kate在九龍", "zh_Hant", "hk", ("beauty", "outfit"), "上班族美妝分享"),
    ("noodle_ming", "阿明吃麵", "zh_Hant", "tw", ("food",), "一天一碗麵"),
    ("dali_nomad", "大理游民", "zh_Hans", "cn", ("travel", "reading"), "在大理当数字游民"),
    ("rabbit_tofu", "兔子豆腐", "zh_Hans", "cn", ("pets",), "一只垂耳兔的日常"),
    ("kaohsiung_sun", "高雄陽光", "zh_Hant", "tw", ("travel", "coffee"), "高雄在地｜咖啡與海"),
    ("jay_lifts", "Jay", "en", "tw", ("fitness", "food"), "Lifting, eating, repeat."),
    ("poetry_yun", "小雲讀詩", "zh_Hant", "tw", ("reading",), "讀詩、寫字、喝茶"),
    ("sh_barista_amy", "上海咖啡师Amy", "zh_Hans", "cn", ("coffee",), "精品咖啡｜探店合集"),
    ("ahwai_tech", "阿偉科技", "zh_Hant", "hk", ("digital",), "香港3C開箱"),
))


# ---------------------------------------------------------------------------------------------
# Note templates
# ---------------------------------------------------------------------------------------------

Pool = tuple[str, ...]


@dataclass(frozen=True)
class TopicVoice:
    """How one voice writes about one topic."""

    titles: Pool
    openings: Pool
    details: Pool
    closings: Pool
    base_tag: str
    extra_tags: Pool
    slots: Mapping[str, Pool | Mapping[str, Pool]] = field(default_factory=dict)


def topic(titles: str, openings: str, details: str, closings: str, base_tag: str, extra_tags: str,
          **slots: str | Mapping[str, str]) -> TopicVoice:
    parsed: dict[str, Pool | Mapping[str, Pool]] = {}
    for name, value in slots.items():
        parsed[name] = pool(value) if isinstance(value, str) else {k: pool(v) for k, v in value.items()}
    return TopicVoice(lines(titles), lines(openings), lines(details), lines(closings),
                      base_tag, pool(extra_tags), parsed)


# Slots every topic of a voice may use; keyed by the author's region where wording differs.
SHARED_SLOTS: dict[str, Mapping[str, Pool | Mapping[str, Pool]]] = {
    "hant": {
        "city": {"tw": pool("台北|台中|台南|高雄|新竹|花蓮|宜蘭"),
                 "hk": pool("香港|旺角|銅鑼灣|深水埗|西環|尖沙咀")},
        "price": {"tw": pool("NT$150|NT$220|NT$280|NT$350|NT$480|NT$650"),
                  "hk": pool("HK$58|HK$88|HK$120|HK$160|HK$220")},
        "transit": {"tw": pool("捷運轉公車|搭火車再轉接駁車|捷運出站走十分鐘"),
                    "hk": pool("港鐵轉小巴|港鐵出站轉巴士|搭渡輪再走一段")},
    },
    "hans": {
        "city": {"cn": pool("上海|成都|杭州|北京|广州|深圳|重庆|长沙|南京|武汉")},
        "price": {"cn": pool("¥35|¥48|¥68|¥88|¥120|¥168")},
        "transit": {"cn": pool("地铁转公交|高铁再转大巴|地铁出站打车十分钟")},
    },
    "en": {
        "city": pool("Taipei|Hong Kong|Shanghai|Tokyo|Singapore|Tainan"),
        "price": pool("$12|$15|$20|$28|$35"),
        "transit": pool("metro + bus|MTR + minibus|train + shuttle"),
    },
}

TOPICS: dict[str, dict[str, TopicVoice]] = {
    "food": {
        "hant": topic(
            """
            {city}｜{shop}的{dish}真的會讓人想念
            排隊也值得的{dish}，{city}這家我會再去
            {city}探店｜人均{price}吃到超滿足
            私心推薦！{shop}的隱藏版{dish}
            下班後的小確幸：一碗{dish}
            {city}在地人才知道的{dish}
            必點清單 vs 踩雷紀錄｜{shop}
            週末早午餐就決定是{shop}了
            """,
            """
            這家是朋友帶我來的，吃完第一口就決定要寫筆記了
            之前路過好幾次都在排隊，這次終於吃到了！
            說真的，我本來沒有抱太大期待…
            今天來還願{shop}，整體比想像中好很多
            最近一直在找好吃的{dish}，這家真的有被驚豔到
            下雨天就是要吃點熱熱的東西
            """,
            """
            📍店名：{shop}（{city}）
            💰人均：{price}左右
            必點是{dish}，調味剛剛好，一口接一口停不下來
            {dish2}外皮酥脆、裡面軟嫩，這點真的加分
            份量對女生來說有點多，建議兩個人分著吃
            店內空間不大，假日建議先訂位，平日晚上大概等了20分鐘
            老闆人很好，還多送我們一盤小菜
            甜點不會太甜，吃完不膩
            唯一小缺點是冷氣有點弱，夏天要有心理準備
            他們家的{dish}每天限量，想吃的要早點來
            整體CP值很高，這個價位在{city}很難得
            """,
            """
            總之這家我會回訪，推薦給在{city}的大家！
            以上是我的真心心得，不是業配哈哈
            大家有其他私藏的店也可以留言跟我說～
            下次想試試看他們的{dish2}
            評分：4.5/5，扣的0.5是排隊太久
            """,
            "美食", "探店|{city}美食|週末去哪吃|吃貨日常|美食推薦",
            shop="巷口小食堂|阿婆麵店|森日早午餐|小島甜點室|老宅咖哩|燈籠居酒屋|晴天拉麵|好日子便當|山丘披薩",
            dish="牛肉麵|酸辣湯餃|舒芙蕾鬆餅|豬排咖哩飯|鹽烤鯖魚|肉燥飯|蛋塔|菠蘿油|擔擔麵|炸雞|巴斯克乳酪蛋糕|鍋燒意麵",
        ),
        "hans": topic(
            """
            {city}探店｜{shop}的{dish}真的绝了
            人均{price}！{city}这家{dish}我愿称之为天花板
            排队一小时的{dish}，到底值不值？
            本地人私藏的{dish}，终于被我找到了
            打工人的快乐：下班来一碗{dish}
            姐妹们冲！{shop}的新品{dish}
            避雷还是必吃？{shop}真实测评
            周末约饭就选{shop}了
            """,
            """
            被朋友安利了很久，今天终于来打卡了！
            说实话一开始没抱太大期待，结果真香了
            这家店在首页刷到好多次，这次专门跑过来
            最近在疯狂找好吃的{dish}，这家真的惊艳到我了
            下雨天就想吃点热乎的
            宝子们，这家店我已经来第三次了
            """,
            """
            📍店名：{shop}（{city}）
            💰人均：{price}左右
            必点{dish}，味道很正，一口接一口根本停不下来
            {dish2}外酥里嫩，这个口感真的加分
            分量很足，两个人吃刚刚好
            店面不大，周末建议提前排号，我们工作日晚上等了20分钟
            老板很热情，还送了我们一份小菜
            甜品不会太甜，吃完一点都不腻
            唯一的缺点是有点吵，不太适合聊天
            {dish}每天限量，想吃的要早点去
            性价比超高，在{city}这个价位很难得了
            """,
            """
            总之这家会回购，在{city}的姐妹们可以冲！
            以上都是真实感受，不是广告哈
            你们还有什么私藏的店？评论区告诉我
            下次想试试他们家的{dish2}
            打分：4.5/5，扣的0.5是因为排队太久
            """,
            "美食", "探店|{city}美食|周末吃什么|吃货日常|美食推荐",
            shop="弄堂小馆|阿姨面馆|森林早午餐|小岛甜品铺|老街火锅|巷子里的烧烤|晴天拉面|好日子盒饭|山顶披萨",
            dish="红烧牛肉面|小笼包|舒芙蕾松饼|猪排咖喱饭|酸菜鱼|生煎包|葱油拌面|蛋挞|麻辣烫|烤鱼|螺蛳粉|串串香",
        ),
        "en": topic(
            """
            {city} eats｜{shop} is worth the queue
            The best {dish} I've had in {city}
            Brunch spot I keep going back to: {shop}
            Honest review: {shop} in {city}
            Rainy day comfort food: {dish}
            """,
            """
            A friend dragged me here and I'm so glad she did.
            Walked past this place so many times, finally tried it!
            Not gonna lie, I didn't expect much…
            I've been hunting for good {dish} for weeks and this one hit the spot.
            """,
            """
            📍 {shop}, {city}
            💰 around {price} per person
            Must order: the {dish}. Perfectly seasoned, I couldn't stop eating.
            The {dish2} was crispy outside and soft inside.
            Portions are generous, good for sharing.
            Small space, so book ahead on weekends.
            The owner was super friendly and gave us a free side dish.
            """,
            """
            Would 100% come back.
            Not sponsored, just obsessed lol
            Drop your favorite spots in the comments!
            Next time I'm trying the {dish2}.
            """,
            "foodie", "eatlocal|brunch|foodtrip|美食",
            shop="Little Alley Kitchen|Morning Forest Brunch|Island Dessert Room|Lantern Izakaya|Sunny Ramen",
            dish="beef noodle soup|egg tarts|soufflé pancakes|katsu curry|xiaolongbao|basque cheesecake|"
                 "dan dan noodles",
        ),
    },
    "travel": {
        "hant": topic(
            """
            {spot}一日遊｜新手也可以完成的路線
            週末逃離城市：{spot}露營紀錄
            終於走完{spot}！腿軟但值得
            {spot}看日出攻略，這次真的看到雲海
            第一次露營就上手，{camp}真心推薦
            說走就走的{spot}小旅行
            """,
            """
            這個週末終於把{spot}從清單上劃掉了
            好久沒有好好出門走走，這次選了{spot}
            原本擔心天氣不好，結果一路晴天
            跟朋友臨時決定出發，沒想到是今年最棒的一天
            這次是第一次揪團露營，做了不少功課
            """,
            """
            ⏰ 全程大約{hours}，中間休息了好幾次
            路線前半段比較陡，後半段都是好走的步道
            必帶：{gear}、水、防曬，山上風很大記得帶外套
            營地有乾淨的廁所跟熱水，對新手很友善
            清晨五點起床看日出，雲海出來的那一刻真的說不出話
            交通：{transit}就能到，不用開車
            這次最推的裝備是{gear2}，輕又好用
            假日人有點多，想要安靜一點建議平日去
            下山後去吃了一碗熱湯麵，整個人活過來
            """,
            """
            下次想挑戰更難一點的路線，有推薦的可以留言
            照片完全拍不出現場的美，大家一定要親自去一次
            記得帶走垃圾，一起愛護山林
            這趟真的很療癒，充飽電可以繼續上班了
            """,
            "旅行", "登山|露營|戶外|週末去哪玩|{spot}",
            spot={"tw": "合歡山|七星山|太魯閣|九份|墾丁|日月潭|阿里山|抹茶山",
                  "hk": "麥理浩徑|獅子山|大帽山|西貢|龍脊|南丫島|大浪灣"},
            camp="山中小屋營地|雲海營區|森林營地|海邊露營區",
            gear="登山杖|防風外套|頭燈|輕量帳篷|保溫瓶|登山鞋",
            hours="3小時|4個半小時|6小時|2小時",
        ),
        "hans": topic(
            """
            {spot}一日游｜新手友好路线分享
            周末逃离城市：{spot}露营记录
            终于徒步完{spot}！腿废了但值得
            {spot}看日出攻略，这次真的看到云海了
            第一次露营就爱上了，{camp}真心推荐
            说走就走的{spot}小旅行
            """,
            """
            这个周末终于把{spot}从愿望清单上划掉了
            好久没出门了，这次选了{spot}
            出发前还担心下雨，结果一路大晴天
            跟朋友临时决定出发，没想到是今年最开心的一天
            第一次组队露营，提前做了很多攻略
            """,
            """
            ⏰ 全程大概{hours}，中间休息了好几次
            前半段比较陡，后半段都是很好走的步道
            必带：{gear}、水、防晒，山上风大记得带外套
            营地有干净的卫生间和热水，对新手很友好
            早上五点起床看日出，云海出来那一刻真的说不出话
            交通：{transit}就能到，不用自驾
            这次最推荐的装备是{gear2}，轻便又好用
            周末人有点多，想清静一点建议工作日去
            下山后吃了一碗热汤面，整个人都活过来了
            """,
            """
            下次想挑战难度更高的路线，有推荐的评论区见
            照片拍不出现场的十分之一，一定要亲自去一次
            记得把垃圾带下山，一起爱护大自然
            这趟太治愈了，充满电继续搬砖
            """,
            "旅行", "徒步|露营|户外|周末去哪玩|{spot}",
            spot="武功山|四姑娘山|黄山|莫干山|洱海|稻城亚丁|泰山|徽杭古道|雨崩村",
            camp="山谷露营地|云海营地|森林营地|湖边露营基地",
            gear="登山杖|冲锋衣|头灯|轻量帐篷|保温杯|登山鞋",
            hours="3小时|4个半小时|6小时|2小时",
        ),
        "en": topic(
            """
            Day hike: {spot}
            Weekend camping at {camp}
            Sunrise at {spot} was unreal
            Finally conquered {spot}!
            """,
            """
            Finally ticked {spot} off my list this weekend.
            Needed a break from the city, so we went to {spot}.
            Forecast said rain. We got blue skies the whole way.
            """,
            """
            ⏰ About {hours} in total with plenty of breaks.
            First half is steep, second half is an easy trail.
            Bring: {gear}, water, sunscreen. It gets windy up top.
            Getting there: {transit}, no car needed.
            Best gear of the trip: my {gear2}.
            Weekends get busy, go on a weekday if you can.
            """,
            """
            Photos don't do it justice.
            Leave no trace, take your trash home!
            Recommendations for harder trails welcome.
            """,
            "travel", "hiking|outdoors|weekendtrip|camping",
            spot="the MacLehose Trail|Lion Rock|Dragon's Back|Yangmingshan|Taroko Gorge|Lantau Peak",
            camp="Cloud Sea Campsite|Forest Camp|Beach Camp",
            gear="trekking poles|windbreaker|headlamp|ultralight tent|water bottle",
            hours="3 hours|4.5 hours|6 hours",
        ),
    },
    "outfit": {
        "hant": topic(
            """
            {height}小個子的秋冬穿搭｜{color}系好溫柔
            一件{item}穿出三種風格
            {occasion}穿什麼？這套不出錯
            {brand}平價好物分享，顯瘦又百搭
            今日穿搭｜{color}＋{item}的溫柔感
            衣櫃裡最常穿的{item}，真的不後悔
            """,
            """
            最近天氣轉涼，終於可以把{item}拿出來穿了
            很多人問我這套在哪買的，一次整理給大家
            身高{height}，平常偏愛簡單舒服的穿搭
            這週{occasion}穿了這套，被同事稱讚好幾次
            """,
            """
            上衣：{brand}的{item}，{color}很好搭
            下身：直筒牛仔褲，修飾腿型很有感
            鞋子：{item2}，走一整天也不會累
            小心機是加了一條細腰帶，比例一下就出來了
            {color}跟米白色真的是絕配，整體看起來很溫柔
            布料摸起來很舒服，不會悶熱
            尺寸我拿S，肩線剛好，喜歡寬鬆的可以拿大一號
            配件只戴了一對小耳環，簡單就好
            """,
            """
            你們最常穿的單品是什麼？
            之後會多分享小個子穿搭，有想看的主題可以留言
            不用買很多，找到適合自己的就好
            穿搭沒有標準答案，自己開心最重要
            """,
            "穿搭", "今日穿搭|小個子穿搭|秋冬穿搭|OOTD|平價穿搭",
            item="寬鬆牛仔外套|針織開衫|白色帆布鞋|西裝外套|百褶裙|條紋襯衫|毛呢大衣|樂福鞋|格紋圍巾",
            color="奶茶色|燕麥色|深藍|焦糖色|米白|橄欖綠|酒紅",
            brand="UNIQLO|ZARA|COS|MUJI|GU|古著店",
            height="153|158|162|165|168",
            occasion="上班|約會|週末逛街|見家長|面試",
        ),
        "hans": topic(
            """
            {height}小个子秋冬穿搭｜{color}系温柔到犯规
            一件{item}穿出三种风格
            {occasion}穿什么？这套闭眼入不出错
            {brand}平价好物分享，显瘦又百搭
            今日穿搭｜{color}＋{item}的温柔感
            衣柜里出镜率最高的{item}，真的不后悔
            """,
            """
            最近降温了，终于可以把{item}拿出来穿了
            好多姐妹问我这套的链接，一次整理给大家
            身高{height}，平时偏爱简约舒服的风格
            这周{occasion}穿了这一套，被同事夸了好几次
            """,
            """
            上衣：{brand}的{item}，{color}超级好搭
            下装：直筒牛仔裤，修饰腿型很明显
            鞋子：{item2}，走一天都不累
            小心机是加了一条细腰带，比例一下就出来了
            {color}和米白色真的是绝配，整体很温柔
            面料摸起来很舒服，不闷热
            尺码我拿的S，肩线刚好，喜欢宽松的可以拿大一码
            配饰只戴了一对小耳钉，简单就好
            """,
            """
            你们衣柜里出镜率最高的单品是什么？
            之后会多分享小个子穿搭，想看什么评论区告诉我
            不用买很多，找到适合自己的就好
            穿搭没有标准答案，自己开心最重要
            """,
            "穿搭", "今日穿搭|小个子穿搭|秋冬穿搭|OOTD|平价穿搭",
            item="宽松牛仔外套|针织开衫|白色帆布鞋|西装外套|百褶裙|条纹衬衫|毛呢大衣|乐福鞋|格纹围巾",
            color="奶茶色|燕麦色|藏青|焦糖色|米白|橄榄绿|酒红",
            brand="UNIQLO|ZARA|COS|MUJI|太平鸟|古着店",
            height="155|160|163|168",
            occasion="通勤|约会|周末逛街|见家长|面试",
        ),
        "en": topic(
            """
            OOTD｜{color} tones for autumn
            One {item}, three ways
            What I wore to {occasion}
            Affordable {brand} finds that actually fit
            """,
            """
            It's finally cold enough for my {item}!
            So many of you asked where this is from, so here's the full list.
            Keeping it simple and comfy this week.
            """,
            """
            Top: {item} from {brand}, the {color} goes with everything.
            Shoes: {item2}, comfy enough for a full day of walking.
            A thin belt fixes the proportions instantly.
            I'm wearing size S; size up if you like it loose.
            The fabric is soft and breathable.
            """,
            """
            What's your most-worn piece?
            No rules in fashion, wear what makes you happy.
            More petite outfits coming soon!
            """,
            "OOTD", "outfit|穿搭|styleinspo|petitefashion",
            item="oversized denim jacket|knit cardigan|white sneakers|blazer|pleated skirt|wool coat|loafers",
            color="oat|camel|navy|cream|olive",
            brand="UNIQLO|COS|ZARA|MUJI",
            occasion="work|a first date|brunch",
        ),
    },
    "beauty": {
        "hant": topic(
            """
            {skin}的保養順序｜換季不再爛臉
            {lipstick}試色！黃皮也能駕馭
            空瓶記｜{skincare}我已經回購第三瓶
            五分鐘出門妝，手殘也學得會
            秋冬必備的{lipstick}，氣色瞬間變好
            平價 vs 專櫃，{skincare}真的有差嗎？
            """,
            """
            我是{skin}，換季的時候特別容易泛紅脫皮
            最近很多人問我的口紅色號，這篇一次回答
            這陣子認真研究了保養順序，皮膚真的穩定很多
            說好不再買口紅，結果又忍不住入手了{lipstick}
            """,
            """
            早上：洗臉 → {skincare} → 乳液 → 防曬
            {lipstick}薄塗很日常，厚塗就很有氣場
            質地很滑順，不會卡唇紋，但持久度普通，吃飯後要補
            {skincare}吸收很快，不黏膩，{skin}用起來剛剛好
            試了兩週，粉刺有變少，膚色也比較均勻
            提醒一下，新品第一次用記得先在耳後測試
            價格不算便宜，但用量很省，一瓶可以用三個月
            黃皮的我覺得很顯白，完全不挑膚色
            """,
            """
            每個人膚質不同，僅供參考喔
            你們最近的愛用品是什麼？一起交流～
            下一篇想看卸妝還是底妝分享？
            以上都是自費購買，真心分享
            """,
            "美妝", "口紅試色|護膚|保養|敏感肌|彩妝分享",
            lipstick="YSL口紅1966|Dior 999|MAC Chili|3CE霧面唇膏|香奈兒43號|Romand唇釉",
            skincare="玻尿酸精華|維他命C精華|積雪草修護霜|溫和洗面乳|防曬乳|保濕化妝水",
            skin="混合肌|乾肌|油肌|敏感肌",
        ),
        "hans": topic(
            """
            {skin}护肤步骤｜换季再也不烂脸了
            {lipstick}试色！黄皮也能驾驭
            空瓶记｜{skincare}已经回购第三瓶
            五分钟出门妆，手残党也能学会
            秋冬必备{lipstick}，气色瞬间拉满
            平价 vs 大牌，{skincare}真的有差别吗？
            """,
            """
            我是{skin}，换季的时候特别容易泛红起皮
            最近好多姐妹问我口红色号，这篇一次说清楚
            这段时间认真研究了护肤步骤，皮肤真的稳定了很多
            说好不再买口红，结果又没忍住入了{lipstick}
            """,
            """
            早上：洗脸 → {skincare} → 乳液 → 防晒
            {lipstick}薄涂很日常，厚涂超有气场
            质地很顺滑，不卡唇纹，但持妆一般，吃完饭要补
            {skincare}吸收很快，不黏腻，{skin}用刚刚好
            坚持用了两周，闭口少了很多，肤色也更均匀了
            提醒一下，新品第一次用记得先在耳后做测试
            价格不算便宜，但很耐用，一瓶能用三个月
            黄皮亲妈，超级显白，完全不挑皮
            """,
            """
            每个人肤质不同，仅供参考哦
            你们最近的心头好是什么？评论区交流一下～
            下一篇想看卸妆还是底妆分享？
            全部自费购买，放心食用
            """,
            "美妆", "口红试色|护肤|护肤分享|敏感肌|彩妆分享",
            lipstick="YSL口红1966|Dior 999|MAC Chili|花西子口红|香奈儿43号|完美日记唇釉",
            skincare="玻尿酸精华|VC精华|积雪草修护霜|氨基酸洗面奶|防晒霜|保湿水乳",
            skin="混油皮|干皮|大油皮|敏感肌",
        ),
        "en": topic(
            """
            {lipstick} swatches on warm skin
            My skincare routine for {skin}
            Empties｜repurchasing {skincare} again
            5-minute makeup for busy mornings
            """,
            """
            I have {skin} and the season change always hits hard.
            So many questions about my lipstick, answering all of them here.
            Promised myself no more lipsticks… then {lipstick} happened.
            """,
            """
            AM: cleanser → {skincare} → moisturizer → SPF
            {lipstick} is subtle when dabbed, bold when layered.
            Absorbs fast, not sticky at all.
            Two weeks in: fewer breakouts, more even tone.
            Patch test first if you're trying something new!
            """,
            """
            Everyone's skin is different, just sharing what works for me.
            What are your current favorites?
            All bought with my own money.
            """,
            "beauty", "skincare|lipstick|makeup|美妝",
            lipstick="YSL 1966|Dior 999|MAC Chili",
            skincare="hyaluronic serum|vitamin C serum|centella cream|sunscreen",
            skin="combination skin|dry skin|sensitive skin",
        ),
    },
    "home": {
        "hant": topic(
            """
            {size}{room}改造｜花不到一萬的租屋佈置
            租屋也能很有質感：我的{room}小角落
            {store}好物分享，收納終於不再崩潰
            讓家裡變溫柔的{item}
            週末大掃除後的{room}，心情都變好了
            """,
            """
            搬進來半年，終於把{room}整理成喜歡的樣子
            租屋沒辦法大改，只能靠小物件慢慢佈置
            最近迷上整理，每天下班都想待在家
            """,
            """
            最有感的是{item}，晚上打開整個氛圍都不一樣
            {item2}是在{store}買的，價格很友善
            顏色控制在白、木頭色和一點點綠，看起來比較不亂
            收納原則：常用的放外面，不常用的全部收進箱子
            燈光真的很重要，黃光比白光溫暖很多
            植物選了好照顧的龜背芋，忘記澆水也還活著
            """,
            """
            家不用大，住得舒服最重要
            大家有什麼租屋佈置的小技巧嗎？
            下一個目標是整理廚房，有進度再來分享
            """,
            "家居", "租屋佈置|收納|居家生活|房間改造",
            room="小套房|客廳|臥室|書房角落|陽台|廚房",
            item="香氛蠟燭|落地燈|收納籃|亞麻窗簾|陶瓷馬克杯|小邊桌|掛畫|地毯",
            store="IKEA|MUJI|宜得利|二手市集",
            size={"tw": "8坪|10坪|12坪", "hk": "300呎|420呎"},
        ),
        "hans": topic(
            """
            {size}{room}改造｜花了不到三千块的出租屋布置
            出租屋也能很有质感：我的{room}小角落
            {store}好物分享，收纳终于不崩溃了
            让家变温柔的{item}
            周末大扫除后的{room}，心情都变好了
            """,
            """
            搬进来半年，终于把{room}收拾成喜欢的样子
            租的房子没法大改，只能靠小物件慢慢布置
            最近沉迷收纳，每天下班都只想待在家里
            """,
            """
            最有幸福感的是{item}，晚上打开氛围感拉满
            {item2}是在{store}买的，价格很友好
            颜色控制在白色、原木色和一点点绿色，看起来不乱
            收纳原则：常用的放外面，不常用的全部收进箱子
            灯光真的很重要，暖光比白光温馨太多了
            植物选了好养活的龟背竹，忘记浇水也还活着
            """,
            """
            家不用大，住得舒服最重要
            大家有什么出租屋布置的小技巧吗？
            下一个目标是收拾厨房，有进展再来分享
            """,
            "家居", "出租屋改造|收纳|居家生活|房间改造",
            room="出租屋|客厅|卧室|书房角落|阳台|厨房",
            item="香薰蜡烛|落地灯|收纳筐|棉麻窗帘|陶瓷马克杯|小边几|装饰画|地毯",
            store="宜家|无印良品|淘宝|闲鱼",
            size="40平|60平|90平",
        ),
        "en": topic(
            """
            Rental-friendly {room} makeover
            My cozy {room} corner
            Small things that made my home feel warmer
            """,
            """
            Six months in and the {room} finally feels like mine.
            Can't renovate a rental, so it's all about small touches.
            """,
            """
            Biggest upgrade: the {item}. Instant mood at night.
            Got the {item2} from {store}, super affordable.
            Palette: white, wood and a little green.
            Warm light beats cold light, always.
            Storage rule: daily stuff out, everything else in boxes.
            """,
            """
            A home doesn't need to be big, just comfy.
            Share your rental tips below!
            """,
            "home", "homedecor|cozy|rentalmakeover",
            room="studio|living room|bedroom|reading nook|balcony",
            item="scented candle|floor lamp|storage baskets|linen curtains|rug",
            store="IKEA|MUJI|a flea market",
        ),
    },
    "digital": {
        "hant": topic(
            """
            {device}使用{duration}心得｜優缺點一次說
            大學生也買得起的數碼好物
            我的桌面配置分享，工作效率真的變高
            {device}值得買嗎？真實使用感受
            用了{duration}的{device}，說說我的看法
            """,
            """
            入手{device}{duration}了，來寫一篇不吹不黑的心得
            糾結了很久才下手，現在覺得早該買
            很多人私訊問我桌面配置，這次整理一下
            """,
            """
            優點：{feature}真的很有感，日常用完全夠
            缺點：價格偏高，而且配件要另外買
            {feature2}的部分比上一代進步很多
            搭配{device2}一起用，檔案傳輸超方便
            通勤的時候戴上耳機，就是自己的世界
            系統更新後有一點小bug，希望之後會修好
            建議買大一點的容量，照片影片很快就滿了
            """,
            """
            總結：有需求再買，不要為了跟風
            有問題歡迎留言，我知道的都會回答
            下一篇想分享我的手機App清單
            """,
            "數碼", "數碼好物|開箱|桌面改造|科技生活",
            device="iPhone15|iPad Air|MacBook Air|AirPods Pro|Switch|Kindle|Sony降噪耳機|小米手環",
            feature="續航|螢幕|相機|音質|重量",
            duration="一個月|三個月|半年",
        ),
        "hans": topic(
            """
            {device}使用{duration}体验｜优缺点一次说清
            学生党也买得起的数码好物
            我的桌面搭建分享，工作效率翻倍
            {device}值得买吗？真实使用感受
            用了{duration}的{device}，说说我的看法
            """,
            """
            入手{device}{duration}了，来写一篇不吹不黑的测评
            纠结了好久才下单，现在觉得早该买了
            好多人私信问我的桌面搭建，这次统一整理一下
            """,
            """
            优点：{feature}真的很能打，日常使用完全够
            缺点：价格偏贵，而且配件要另外买
            {feature2}比上一代进步了很多
            搭配{device2}一起用，文件传输超方便
            通勤路上戴上耳机，就是自己的世界
            系统更新后有点小bug，希望后面能修复
            建议买大一点的内存，照片视频很快就满了
            """,
            """
            总结：有需求再买，千万别跟风
            有问题欢迎评论区留言，知道的都会回
            下一篇想分享我的手机App清单
            """,
            "数码", "数码好物|开箱|桌面改造|科技生活",
            device="iPhone15|iPad Air|MacBook Air|AirPods Pro|Switch|Kindle|索尼降噪耳机|小米手环",
            feature="续航|屏幕|拍照|音质|重量",
            duration="一个月|三个月|半年",
        ),
        "en": topic(
            """
            {device} after {duration}: honest review
            My desk setup tour
            Is the {device} worth it?
            """,
            """
            Been using the {device} for {duration}, here's my take.
            Took forever to decide, wish I'd bought it sooner.
            """,
            """
            Pros: the {feature} is genuinely great.
            Cons: pricey, and accessories cost extra.
            Pairs nicely with my {device2}.
            Get more storage than you think you need.
            A small bug after the last update, hoping for a fix.
            """,
            """
            Buy it if you need it, not for the hype.
            Questions? Ask away.
            """,
            "tech", "gadgets|desksetup|unboxing|數碼",
            device="iPhone 15|iPad Air|MacBook Air|AirPods Pro|Switch|Kindle",
            feature="battery life|screen|camera|sound",
            duration="one month|three months|half a year",
        ),
    },
    "fitness": {
        "hant": topic(
            """
            健身{weeks}的變化｜不節食也能瘦
            新手在家練：{workout}怎麼做才不會受傷
            下班後30分鐘的{workout}菜單
            瘦了{kg}！我的飲食＋運動紀錄
            練{workout}之後，體態真的不一樣了
            """,
            """
            開始健身到現在{weeks}，來紀錄一下
            以前是完全不運動的人，現在一週會練三次
            最近很多人問我怎麼開始，其實我也是從零開始的
            """,
            """
            一週三練：上半身、下半身、核心各一天
            {workout}的重點是核心收緊，動作慢一點效果更好
            飲食沒有特別節食，只是少喝手搖飲、多吃蛋白質
            每次練完都會做伸展，隔天比較不會痠痛
            體重只少了{kg}，但褲子明顯變鬆
            最難的是堅持，我都用App記錄打卡
            熱身一定要做，之前偷懶結果拉傷
            """,
            """
            不用跟別人比，跟昨天的自己比就好
            一起加油！有問題可以留言
            下一篇分享我的增肌餐
            """,
            "健身", "運動日常|減脂|居家運動|健身紀錄",
            workout="深蹲|硬舉|臥推|核心訓練|跳繩|瑜珈|慢跑|皮拉提斯",
            weeks="4週|8週|12週",
            kg="2公斤|3公斤|5公斤",
        ),
        "hans": topic(
            """
            健身{weeks}的变化｜不节食也能瘦
            新手居家练：{workout}怎么做才不伤膝盖
            下班后30分钟{workout}计划
            瘦了{kg}！我的饮食＋运动记录
            练{workout}之后，体态真的变了
            """,
            """
            开始健身到现在{weeks}了，来记录一下
            以前是完全不运动的人，现在一周练三次
            最近好多人问我怎么开始，其实我也是零基础
            """,
            """
            一周三练：上肢、下肢、核心各一天
            {workout}的重点是核心收紧，动作慢一点效果更好
            饮食没有刻意节食，只是少喝奶茶、多吃蛋白质
            每次练完都会拉伸，第二天不会那么酸
            体重只掉了{kg}，但裤子明显松了
            最难的是坚持，我用Keep打卡记录
            热身一定要做，之前偷懒结果拉伤了
            """,
            """
            不用和别人比，和昨天的自己比就好
            一起加油！有问题评论区问我
            下一篇分享我的增肌餐
            """,
            "健身", "运动日常|减脂|居家健身|健身打卡",
            workout="深蹲|硬拉|卧推|核心训练|跳绳|瑜伽|慢跑|普拉提",
            weeks="4周|8周|12周",
            kg="4斤|6斤|10斤",
        ),
        "en": topic(
            """
            {weeks} of training: what changed
            30-minute {workout} routine after work
            Beginner tips for {workout}
            """,
            """
            {weeks} into training, time for a check-in.
            I used to never exercise. Now it's three times a week.
            """,
            """
            Split: upper body, lower body, core.
            Key for {workout}: brace your core and go slow.
            No crash dieting, just more protein and fewer bubble teas.
            Only down {kg} but my jeans fit so differently.
            Always warm up. Learned that the hard way.
            """,
            """
            Compare yourself to yesterday's you, no one else.
            Let's go! Questions welcome.
            """,
            "fitness", "workout|homeworkout|健身",
            workout="squats|deadlifts|core work|jump rope|yoga|running|pilates",
            weeks="4 weeks|8 weeks|12 weeks",
            kg="2 kg|3 kg|5 kg",
        ),
    },
    "coffee": {
        "hant": topic(
            """
            {city}咖啡廳｜{cafe}適合一個人待一下午
            今天的{drink}好喝到想寫筆記
            在家手沖也能很好喝，新手器材分享
            {cafe}：不限時、有插座的工作咖啡廳
            週末咖啡地圖｜{city}私藏三家
            """,
            """
            週末最喜歡的事，就是找一家安靜的咖啡廳發呆
            最近迷上手沖，每天早上都會沖一杯
            這家藏在巷子裡，不仔細找真的會錯過
            """,
            """
            點了{drink}，酸度明亮，尾韻有一點花香
            豆子是{bean}的淺焙，很適合喜歡果酸的人
            店裡有插座跟Wi-Fi，平日下午人不多
            甜點推薦肉桂捲，現烤的很香
            器材：手沖壺、濾杯、磨豆機，入門不用花太多錢
            水溫92度、粉水比1:15，是我最常用的參數
            老闆很願意聊咖啡，問了好多問題都耐心回答
            """,
            """
            喜歡咖啡的朋友一定要來坐坐
            你們最喜歡的咖啡廳是哪一家？
            咖啡因中毒的一天又開始了哈哈
            """,
            "咖啡", "咖啡廳|手沖咖啡|{city}咖啡廳|不限時咖啡廳",
            cafe="轉角咖啡|日光烘焙所|貓下去咖啡|老屋咖啡|山上的咖啡館|慢慢咖啡",
            drink="燕麥拿鐵|手沖耶加雪菲|西西里咖啡|冰滴咖啡|髒髒咖啡|冰美式",
            bean="衣索比亞|哥倫比亞|肯亞|瓜地馬拉",
        ),
        "hans": topic(
            """
            {city}咖啡馆｜{cafe}适合一个人待一下午
            今天这杯{drink}好喝到必须发笔记
            在家手冲也能很好喝，新手器具分享
            {cafe}：不限时、有插座的办公咖啡馆
            周末咖啡地图｜{city}私藏三家
            """,
            """
            周末最喜欢的事，就是找家安静的咖啡馆发呆
            最近迷上手冲，每天早上都要来一杯
            这家藏在弄堂里，不仔细找真的会错过
            """,
            """
            点了{drink}，酸质明亮，尾调有一点花香
            豆子是{bean}的浅烘，适合喜欢果酸的人
            店里有插座和Wi-Fi，工作日下午人不多
            甜品推荐肉桂卷，现烤的超香
            器具：手冲壶、滤杯、磨豆机，入门大概五六百块
            水温92度、粉水比1:15，是我最常用的参数
            老板很乐意聊咖啡，问了好多问题都很耐心
            """,
            """
            爱喝咖啡的朋友一定要来坐坐
            你们最喜欢的咖啡馆是哪家？
            咖啡续命的一天又开始了哈哈
            """,
            "咖啡", "咖啡探店|手冲咖啡|{city}咖啡|办公咖啡馆",
            cafe="转角咖啡|日光烘焙|猫咪咖啡馆|老洋房咖啡|山间咖啡|慢慢咖啡",
            drink="燕麦拿铁|手冲耶加雪菲|西西里咖啡|冰滴咖啡|脏脏咖啡|生椰拿铁",
            bean="埃塞俄比亚|哥伦比亚|肯尼亚|云南保山",
        ),
        "en": topic(
            """
            {cafe}: a perfect laptop-friendly spot
            This {drink} deserves its own post
            Pour-over at home: beginner gear
            """,
            """
            My favorite weekend ritual: a quiet café and nothing to do.
            I'm officially obsessed with pour-over.
            """,
            """
            Ordered the {drink}: bright acidity, floral finish.
            Light roast {bean} beans, great if you like fruity coffee.
            Plugs and Wi-Fi, quiet on weekday afternoons.
            My recipe: 92°C water, 1:15 ratio.
            The cinnamon roll is baked fresh every morning.
            """,
            """
            Where's your favorite café?
            Caffeine-powered as always ☕
            """,
            "coffee", "cafehopping|pourover|咖啡",
            cafe="Corner Coffee|Sunlight Roasters|Slow Cafe",
            drink="oat latte|pour-over Yirgacheffe|Sicilian coffee|cold brew",
            bean="Ethiopian|Colombian|Kenyan",
        ),
    },
    "reading": {
        "hant": topic(
            """
            今年讀過最喜歡的一本書：{book}
            {book}讀後心得｜有一句話讓我想了很久
            一個月讀完五本書，我的閱讀習慣分享
            適合睡前讀的{genre}推薦
            最近在讀{book}，想跟大家聊聊
            """,
            """
            這本書在書架上放了好久，終於讀完了
            最近心情有點低落，朋友推薦我讀{book}
            每天睡前讀二十分鐘，是我今年養成最好的習慣
            """,
            """
            書裡說：「改變不需要很大，只要每天一點點」，這句話一直留在我心裡
            節奏不快，但每一章都很有畫面
            我習慣邊讀邊畫線，再把喜歡的句子抄在筆記本上
            大部分都是在{moment}讀的，一天一章剛剛好
            如果你最近也有點迷惘，這本真的很適合
            另外也很推薦{book2}，風格很像
            """,
            """
            你們最近在讀什麼？求推薦
            讀書不用求快，讀進心裡比較重要
            下個月的目標是讀完{book2}
            """,
            "讀書", "閱讀筆記|好書推薦|讀書心得|書單",
            book="《被討厭的勇氣》|《原子習慣》|《小王子》|《挪威的森林》|《人類大歷史》|《解憂雜貨店》",
            genre="小說|散文|心理學|推理小說",
            moment="通勤路上|睡前|週末的咖啡廳",
        ),
        "hans": topic(
            """
            今年读过最喜欢的一本书：{book}
            {book}读后感｜有一句话让我想了很久
            一个月读完五本书，我的阅读习惯分享
            适合睡前读的{genre}推荐
            最近在读{book}，想跟大家聊聊
            """,
            """
            这本书在书架上吃灰好久了，终于读完了
            最近情绪有点低落，朋友推荐我读{book}
            每天睡前读二十分钟，是我今年养成的最好的习惯
            """,
            """
            书里说：「改变不需要很大，只要每天一点点」，这句话一直留在我心里
            节奏不快，但每一章都很有画面感
            我习惯边读边划线，再把喜欢的句子抄在本子上
            大部分是在{moment}读的，一天一章刚刚好
            如果你最近也有点迷茫，这本真的很适合
            另外也很推荐{book2}，风格挺像的
            """,
            """
            你们最近在读什么？求推荐
            读书不用求快，读进心里更重要
            下个月的目标是读完{book2}
            """,
            "读书", "读书笔记|好书推荐|读后感|书单",
            book="《被讨厌的勇气》|《掌控习惯》|《小王子》|《挪威的森林》|《人类简史》|《活着》|《三体》",
            genre="小说|散文|心理学|推理小说",
            moment="通勤的地铁上|睡前|周末的咖啡馆",
        ),
        "en": topic(
            """
            Favorite book this year: {book}
            Reading notes: {book}
            How I read 5 books a month
            """,
            """
            This one sat on my shelf for ages. Finally finished it.
            20 minutes of reading before bed is the best habit I built this year.
            """,
            """
            One line stuck with me: change doesn't need to be big, just daily.
            I underline as I go and copy favorite lines into a notebook.
            Slow pace, but every chapter is so vivid.
            If you liked it, try {book2} next.
            """,
            """
            What are you reading right now?
            Read slow, read deep.
            """,
            "books", "reading|booklist|讀書",
            book="Atomic Habits|The Little Prince|Norwegian Wood|Sapiens|Klara and the Sun",
        ),
    },
    "pets": {
        "hant": topic(
            """
            我家{pet}{pet_name}的日常｜可愛到不行
            新手養{pet}必看，這些東西一定要準備
            {pet_name}{age}了！紀錄一下成長
            挑食的{pet}終於願意吃{food}了
            帶{pet_name}去看醫生的心得
            """,
            """
            這是我們家的{pet_name}，一隻{age}的{pet}
            每天下班回家，{pet_name}都會在門口等我
            養{pet}之前做了很多功課，整理一些心得給新手
            """,
            """
            個性超黏人，我走到哪牠就跟到哪
            最近愛上{food}，每次開包裝就衝過來
            每天早晚各散步一次，回家就秒睡
            新手必備：食盆、水碗、貓砂盆或尿布墊、指甲剪
            定期驅蟲跟打疫苗真的很重要
            牠睡覺的樣子實在太療癒，拍了一百張照片
            換季掉毛很嚴重，每天都要梳毛
            """,
            """
            大家家裡的毛孩叫什麼名字？
            有養{pet}的朋友可以交流一下
            今天也是被{pet_name}治癒的一天
            """,
            "寵物", "毛孩日常|{pet}|萌寵|養寵心得",
            pet_name="麻糬|布丁|可樂|豆花|饅頭|奶茶",
            pet="橘貓|柴犬|柯基|布偶貓|米克斯|黃金獵犬",
            age="三個月|一歲|兩歲半|五歲",
            food="凍乾零食|主食罐|雞胸肉",
        ),
        "hans": topic(
            """
            我家{pet}{pet_name}的日常｜可爱到犯规
            新手养{pet}必看，这些东西一定要准备
            {pet_name}{age}啦！记录一下成长
            挑食的{pet}终于肯吃{food}了
            带{pet_name}去医院的经历分享
            """,
            """
            这是我们家的{pet_name}，一只{age}的{pet}
            每天下班回家，{pet_name}都会在门口等我
            养{pet}之前做了很多功课，整理一些经验给新手
            """,
            """
            性格超级粘人，我走到哪它跟到哪
            最近爱上了{food}，一拆包装就冲过来
            每天早晚各遛一次，回家秒睡
            新手必备：食盆、水碗、猫砂盆或尿垫、指甲剪
            定期驱虫和打疫苗真的很重要
            它睡觉的样子太治愈了，拍了一百张照片
            换季掉毛很严重，每天都要梳毛
            """,
            """
            大家家里的毛孩子叫什么名字？
            有养{pet}的朋友可以交流一下
            今天也是被{pet_name}治愈的一天
            """,
            "宠物", "萌宠日常|{pet}|养宠经验|毛孩子",
            pet_name="糯米|布丁|可乐|豆花|馒头|奶茶",
            pet="橘猫|柴犬|柯基|布偶猫|中华田园猫|金毛",
            age="三个月|一岁|两岁半|五岁",
            food="冻干零食|主食罐|鸡胸肉",
        ),
        "en": topic(
            """
            Meet {pet_name}, our {pet}
            {pet_name} turns {age}!
            New {pet} owner checklist
            """,
            """
            This is {pet_name}, our {pet}. Age: {age}.
            Every evening {pet_name} waits for me at the door.
            """,
            """
            Clingiest pet ever, follows me everywhere.
            Currently obsessed with {food}.
            Must-haves: bowls, litter box or pads, nail clippers.
            Shedding season is real. Brushing every day.
            """,
            """
            What are your pets' names?
            Healed by {pet_name} once again.
            """,
            "pets", "petlife|cute|萌寵",
            pet_name="Mochi|Pudding|Cola|Bun",
            pet="ginger cat|shiba inu|corgi|ragdoll|golden retriever",
            age="3 months|1 year|5 years",
            food="freeze-dried treats|wet food|chicken breast",
        ),
    },
}

TITLE_EMOJI = pool("✨|🔥|💛|📷|🙌")

# A line naming the linked product; the verdict follows the note's rating.
PRODUCT_LINES = {
    "hant": lines("""
        這次入手的是「{product}」，{verdict}
        順便分享最近在用的「{product}」，{verdict}
        """),
    "hans": lines("""
        这次入的是「{product}」，{verdict}
        顺便分享最近在用的「{product}」，{verdict}
        """),
    "en": lines("""
        Also tried {product}: {verdict}
        Been using {product} lately: {verdict}
        """),
}
VERDICTS = {
    "hant": {"high": pool("真心推薦，會回購|比想像中好用很多|CP值很高，已經推坑朋友了"),
             "mid": pool("還可以，但沒有到很驚豔|普普通通，看個人需求"),
             "low": pool("老實說有點失望，不會回購|跟宣傳差很多，大家三思")},
    "hans": {"high": pool("真心推荐，会回购|比想象中好用太多|性价比很高，已经安利给朋友了"),
             "mid": pool("还行吧，没有特别惊艳|中规中矩，看个人需求"),
             "low": pool("说实话有点失望，不会回购|和宣传差距有点大，大家谨慎")},
    "en": {"high": pool("highly recommend, will repurchase|better than I expected"),
           "mid": pool("it's okay, nothing special|fine, depends on what you need"),
           "low": pool("honestly disappointed, won't buy again|not as advertised, think twice")},
}

MENTION_LINES = {
    "hant": lines("""
        謝謝 @{mention} 推坑，果然沒踩雷
        @{mention} 這篇給你參考！
        上次跟 @{mention} 聊到這個，終於整理好了
        """),
    "hans": lines("""
        感谢 @{mention} 的安利，果然没踩雷
        @{mention} 这篇给你参考！
        上次和 @{mention} 聊到这个，终于整理好了
        """),
    "en": lines("""
        Thanks @{mention} for the rec!
        @{mention} this one's for you.
        """),
}

# ---------------------------------------------------------------------------------------------
# Comments
# ---------------------------------------------------------------------------------------------

COMMENTS_GENERIC = {
    "hant": pool("好實用，先收藏了|照片好好看！|這篇太用心了|謝謝分享～|被推坑了|好喜歡這種風格|"
                 "終於有人說了|寫得好詳細，感謝|同感！|已加入清單|期待下一篇|拍得好有氛圍|好療癒|"
                 "看完馬上存起來|這個我也有！"),
    "hans": pool("好实用，先收藏了|图片好好看！|这篇太用心了吧|谢谢分享～|被种草了|马住|蹲一个后续|"
                 "好喜欢这种风格|终于有人说了|写得好详细，感谢博主|同感！|已加入购物车|期待下一篇|"
                 "氛围感拉满|太治愈了|码住慢慢看"),
    "en": pool("Saving this!|Love this|So helpful, thank you!|This is so pretty|Adding to my list|"
               "Need more posts like this|Obsessed"),
}
COMMENTS_BY_TOPIC = {
    "hant": {
        "food": pool("求地址！|看起來好好吃|請問需要訂位嗎？|這家我也超愛|半夜看到好餓…"),
        "travel": pool("風景也太美|請問新手可以走嗎？|路線好詳細，收藏|我也想去露營！"),
        "outfit": pool("請問外套是哪裡買的？|好適合秋天|小個子必收|這個顏色好溫柔"),
        "beauty": pool("請問是什麼色號？|黃皮適合嗎？|敏感肌可以用嗎|這支我也有，真的好看"),
        "home": pool("好有質感的房間|請問燈是哪裡買的？|租屋族必收|看了好想整理房間"),
        "digital": pool("續航真的有差嗎？|我也在考慮要不要買|桌面好整齊！"),
        "fitness": pool("一起加油！|請問一週練幾次？|好勵志|我也要開始練了"),
        "coffee": pool("這家我也去過，很推|請問豆子哪裡買的？|好想去坐坐|拉花好美"),
        "reading": pool("這本我也很喜歡！|加入書單了|求更多推薦|那句話好戳我"),
        "pets": pool("好可愛！！|毛孩好療癒|請問是什麼品種？|這個眼神太犯規了"),
    },
    "hans": {
        "food": pool("求店名！|看饿了|请问需要排队吗？|这家我也超爱|深夜放毒啊"),
        "travel": pool("风景太美了|请问新手能走吗？|攻略好详细，码住|好想去露营"),
        "outfit": pool("求外套链接！|好适合秋天|小个子姐妹必收|这个颜色好温柔"),
        "beauty": pool("姐妹这是什么色号？|黄皮能用吗？|敏感肌可以用吗|这支我也有，真的绝"),
        "home": pool("好有质感的房间|求灯的链接|租房党必收|看完想收拾房间了"),
        "digital": pool("续航真的有差吗？|我也在纠结要不要买|桌面好整齐！"),
        "fitness": pool("一起加油！|请问一周练几次？|太励志了|我也要开始练了"),
        "coffee": pool("这家我也去过，推荐|请问豆子在哪买的？|好想去坐坐|拉花好美"),
        "reading": pool("这本我也超爱！|加入书单了|求更多推荐|那句话好戳我"),
        "pets": pool("好可爱！！|想rua|太治愈了|这个眼神太犯规了"),
    },
    "en": {
        "food": pool("Where is this?|Looks so good|I'm hungry now"),
        "travel": pool("Stunning views|Is it beginner friendly?"),
        "outfit": pool("Where's the jacket from?|Love the colors"),
        "beauty": pool("What shade is this?|Is it okay for sensitive skin?"),
        "home": pool("So cozy!|Where's the lamp from?"),
        "digital": pool("How's the battery?|Clean setup!"),
        "fitness": pool("Let's go!|How many days a week?"),
        "coffee": pool("Adding to my café list|Where do you get your beans?"),
        "reading": pool("Loved this one too!|Added to my list"),
        "pets": pool("So cute!!|Those eyes!"),
    },
}
FRIEND_TAG_COMMENTS = {
    "hant": lines("""
        @{friend} 下次一起！
        @{friend} 你看這個
        """),
    "hans": lines("""
        @{friend} 下次一起！
        @{friend} 快看这个
        """),
    "en": lines("""
        @{friend} we need to go
        @{friend} look at this!
        """),
}
AUTHOR_REPLIES = {
    "hant": pool("謝謝你～|有機會一定要去試試！|是的！推薦給你|哈哈謝謝支持|我有寫在內文裡喔"),
    "hans": pool("谢谢宝子～|有机会一定要去试试！|是的！推荐给你|哈哈谢谢支持|正文里写了哦"),
    "en": pool("Thank you!|Yes! Highly recommend|Haha thanks for reading"),
}

# ---------------------------------------------------------------------------------------------
# Products (commerce demo): names and descriptions per voice, price range in yuan.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class ProductIdea:
    topic: str
    names: Mapping[str, str]
    descriptions: Mapping[str, str]
    price_yuan: tuple[int, int]


def _product(topic_key: str, hant: str, hans: str, en: str, price: tuple[int, int]) -> ProductIdea:
    """Each voice argument is ``name｜description``."""
    split = {voice: text.split("｜", 1) for voice, text in (("hant", hant), ("hans", hans), ("en", en))}
    return ProductIdea(topic_key, {v: parts[0] for v, parts in split.items()},
                       {v: parts[1] for v, parts in split.items()}, price)


PRODUCTS: tuple[ProductIdea, ...] = (
    _product("food", "手工鳳梨酥禮盒 12入｜土鳳梨內餡，酸甜不膩，送禮自用都適合",
             "手工凤梨酥礼盒 12入｜土凤梨内馅，酸甜不腻，送礼自用都合适",
             "Handmade pineapple cakes, box of 12｜Tart pineapple filling, buttery crust.", (68, 128)),
    _product("food", "麻辣牛肉乾｜川味麻辣，越嚼越香", "麻辣牛肉干｜川味麻辣，越嚼越香",
             "Spicy beef jerky｜Sichuan peppercorn heat, the more you chew the better.", (39, 69)),
    _product("food", "蛋黃酥 6入｜現烤酥皮，整顆鹹蛋黃", "蛋黄酥 6入｜现烤酥皮，整颗咸蛋黄",
             "Egg yolk pastries (6)｜Flaky crust, a whole salted yolk inside.", (49, 89)),
    _product("food", "手工辣椒醬｜拌麵拌飯都好吃", "手工辣椒酱｜拌面拌饭都好吃",
             "Handmade chili crisp｜Great on noodles and rice.", (25, 45)),
    _product("coffee", "耶加雪菲 淺焙咖啡豆 250g｜花香、柑橘調，適合手沖",
             "耶加雪菲 浅烘咖啡豆 250g｜花香柑橘调，适合手冲",
             "Yirgacheffe light roast 250g｜Floral and citrus, made for pour-over.", (68, 128)),
    _product("coffee", "手沖入門套組｜手沖壺、濾杯、濾紙一次備齊", "手冲入门套装｜手冲壶、滤杯、滤纸一次配齐",
             "Pour-over starter kit｜Kettle, dripper and filters in one box.", (199, 399)),
    _product("coffee", "冷萃咖啡包 10入｜放進冷水一晚就完成", "冷萃咖啡包 10入｜冷水泡一晚就能喝",
             "Cold brew bags (10)｜Steep overnight in cold water.", (49, 79)),
    _product("beauty", "絲絨霧面唇膏 03楓葉紅｜顯白不拔乾，黃皮友善",
             "丝绒雾面唇膏 03枫叶红｜显白不拔干，黄皮友好",
             "Velvet matte lipstick 03 Maple｜Brightening, never drying.", (89, 159)),
    _product("beauty", "積雪草修護精華 30ml｜舒緩泛紅，敏感肌可用",
             "积雪草修护精华 30ml｜舒缓泛红，敏感肌可用",
             "Centella repair serum 30ml｜Calms redness, fine for sensitive skin.", (129, 239)),
    _product("beauty", "清爽防曬乳 SPF50｜不泛白、不黏膩", "清爽防晒乳 SPF50｜不假白、不黏腻",
             "Light sunscreen SPF50｜No white cast, not sticky.", (79, 139)),
    _product("outfit", "寬鬆牛仔外套｜水洗做舊，男女都能穿", "宽松牛仔外套｜水洗做旧，男女同款",
             "Oversized denim jacket｜Washed finish, unisex.", (199, 359)),
    _product("outfit", "燕麥色針織開衫｜軟綿不刺，秋天必備", "燕麦色针织开衫｜软糯不扎，秋天必备",
             "Oat knit cardigan｜Soft, not itchy, an autumn staple.", (159, 299)),
    _product("outfit", "羊毛格紋圍巾｜厚實保暖", "羊毛格纹围巾｜厚实保暖",
             "Wool plaid scarf｜Thick and warm.", (99, 189)),
    _product("home", "無花果香氛蠟燭｜可燃燒約40小時", "无花果香薰蜡烛｜可燃烧约40小时",
             "Fig scented candle｜About 40 hours of burn time.", (79, 149)),
    _product("home", "北歐風陶瓷馬克杯｜手工上釉，每個都不一樣", "北欧风陶瓷马克杯｜手工上釉，每只都不一样",
             "Nordic ceramic mug｜Hand glazed, each one unique.", (39, 79)),
    _product("home", "木質小夜燈｜暖光三段調整", "木质小夜灯｜暖光三档调节",
             "Wooden night light｜Warm light, three levels.", (59, 119)),
    _product("digital", "iPhone 15 磁吸手機殼｜霧面防指紋", "iPhone 15 磁吸手机壳｜磨砂防指纹",
             "iPhone 15 MagSafe case｜Matte, fingerprint resistant.", (39, 99)),
    _product("digital", "65W 氮化鎵充電器｜一顆充筆電加手機", "65W 氮化镓充电器｜一个头充电脑和手机",
             "65W GaN charger｜One plug for laptop and phone.", (99, 199)),
    _product("digital", "機械鍵盤 茶軸｜熱插拔，辦公打字很舒服", "机械键盘 茶轴｜热插拔，办公打字很舒服",
             "Mechanical keyboard, brown switches｜Hot-swappable, comfy for typing.", (299, 599)),
    _product("fitness", "加厚瑜珈墊 8mm｜防滑、回彈好", "加厚瑜伽垫 8mm｜防滑回弹好",
             "Yoga mat 8mm｜Non-slip with good rebound.", (69, 139)),
    _product("fitness", "可調式啞鈴 一對｜2-20kg 快速切換", "可调节哑铃 一对｜2-20kg快速调节",
             "Adjustable dumbbells (pair)｜2-20 kg, quick switch.", (399, 899)),
    _product("fitness", "彈力帶組｜五種阻力，在家也能練", "弹力带套装｜五档阻力，在家就能练",
             "Resistance band set｜Five levels for home workouts.", (39, 79)),
    _product("travel", "輕量登山杖｜碳纖維，收納只有35cm", "轻量登山杖｜碳纤维，收纳只有35cm",
             "Lightweight trekking poles｜Carbon fibre, packs down to 35 cm.", (159, 299)),
    _product("travel", "露營燈｜三種色溫，Type-C 充電", "露营灯｜三种色温，Type-C充电",
             "Camping lantern｜Three colour temperatures, USB-C.", (89, 169)),
    _product("travel", "保溫瓶 500ml｜保溫12小時", "保温杯 500ml｜保温12小时",
             "Insulated bottle 500ml｜Keeps hot for 12 hours.", (69, 129)),
    _product("reading", "2027 手帳本｜一日一頁，紙質不透", "2027 手账本｜一日一页，纸张不洇",
             "2027 planner｜A page a day, no bleed-through.", (59, 119)),
    _product("reading", "夾式閱讀燈｜護眼暖光", "夹式阅读灯｜护眼暖光",
             "Clip-on reading light｜Warm, easy on the eyes.", (49, 99)),
    _product("pets", "凍乾雞肉零食｜單一肉源，無添加", "冻干鸡肉零食｜单一肉源，无添加",
             "Freeze-dried chicken treats｜Single protein, no additives.", (39, 79)),
    _product("pets", "瓦楞紙貓抓板｜耐抓不掉屑", "瓦楞纸猫抓板｜耐抓不掉屑",
             "Cardboard cat scratcher｜Durable, no mess.", (29, 59)),
    _product("pets", "寵物外出包｜透氣網窗，出門好輕鬆", "宠物外出包｜透气网窗，出门超方便",
             "Pet carrier bag｜Breathable mesh, easy outings.", (149, 299)),
)
