"""Search speed at 100k notes: index build rate and query latency, next to raw Whoosh on the same corpus.

    .venv/bin/python bench/search.py [--notes 100000] [--runs 3] [--passes 5] [--profile build|query] [--cold]

Targets (the search issue): at 100k notes, search p50 <= 10 ms and p95 <= 30 ms through the API
in-process; index build >= 3,000 notes/s (raw single-process Whoosh with jieba builds ~2,000/s).

Generates a seeded, synthetic corpus (about 2,000 users, 1,000 products in 200 shops, N published
notes in Traditional and Simplified Chinese with English brand names, tags, product links, likes,
follows and some completed orders) straight into a fresh SQLite database with Core bulk inserts,
then measures, ``--runs`` times each (medians printed):

- our full rebuild, ``outbox.reindex`` (read rows, build documents, write Whoosh, swap in);
- building the note documents alone (``documents.iter_all``), and writing them alone
  (``SearchIndex.rebuild`` from documents already in memory);
- raw Whoosh: id/title/body with the default StandardAnalyzer, one writer.

Then ~55 fixed queries, a warm-up pass and ``--passes`` timed passes, each pass through the API
(Flask test client, ``GET /api/v1/search``), the service (``service.search``) and raw Whoosh
(MultifieldParser over title/body, one reused searcher); prints p50/p95 of each, how many
queries find anything, and, per query, how many notes each engine matches next to how many contain
the words (a substring scan: a rough ground truth). ``--profile`` adds a cProfile of one rebuild
or of one API pass. ``--cold`` keeps no decoded posting lists between queries (every query
reads its words' postings from the index files again). A 100k run takes about 10 minutes on 2
CPUs, most of it in the raw Whoosh builds (``--runs 1`` for a quicker look, ``--notes 5000``
for a smoke test).
Destroys the database file and the index directory it is pointed at (SQLite only).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import app.models  # noqa: E402,F401  (every table on the metadata)
from app import create_app  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.catalog.models import Product, Shop  # noqa: E402
from app.db import Base, db  # noqa: E402
from app.notes.models import Note, NoteImage, NoteTag, Tag  # noqa: E402
from app.notes.text import normalize_tag  # noqa: E402
from app.orders.models import Order  # noqa: E402
from app.search import documents, outbox, service  # noqa: E402
from app.search.analysis import fold, parse_query  # noqa: E402
from app.search.index import SearchIndex, SearchRequest, close_searchers, set_postings_cache  # noqa: E402
from app.social.models import Follow  # noqa: E402
from bench.common import profile  # noqa: E402
from config import TestingConfig  # noqa: E402

# ---- vocabulary (written in Traditional; Simplified authors get it through OpenCC) ----

TOPICS = {
    "美妝": dict(
        weight=14,
        words="口紅 唇膏 唇釉 粉底液 氣墊 眼影盤 睫毛膏 遮瑕膏 腮紅 眉筆 卸妝油 試色 底妝 霧面 奶茶色 豆沙色 正紅色 持妝 不沾杯 平替",
        brands=["YSL", "Dior", "MAC", "3CE", "NARS", "Chanel", "Armani", "植村秀", "YSL小金條", "Dior999"],
        tags="美妝 口紅 試色 彩妝 平替 開箱 YSL 唇釉 底妝",
        clauses=["入手{b}的{w}快一個月", "質地是{w}但不會拔乾", "黃皮擦起來很顯白", "喝水會稍微沾杯", "補擦也很方便",
                 "專櫃小姐推薦的{w}", "全部自然光拍攝沒修圖", "薄塗是蜜桃色，厚塗會偏磚紅", "油皮夏天上班八小時實測{w}",
                 "搭配乾淨的底妝很有氣場", "價格不便宜但一直回購", "新手也很好上手", "{w}真的是本命色",
                 "包裝很有質感", "顏色不太挑膚色", "{b}這支{w}是今年最愛"],
    ),
    "護膚": dict(
        weight=10,
        words="精華液 化妝水 面霜 防曬乳 面膜 保濕 敏感肌 痘痘肌 毛孔 美白 抗老 洗面乳 乳液 神仙水 維他命C",
        brands=["SK-II", "蘭蔻", "雅詩蘭黛", "Kiehl's", "理膚寶水", "La Mer", "資生堂", "Cetaphil"],
        tags="護膚 保濕 敏感肌 防曬 面膜 開箱 平替",
        clauses=["換季皮膚很容易泛紅", "{b}{w}用完一整瓶", "說說真實感受", "皮膚確實穩定了很多", "味道有點像米酒",
                 "學生黨不建議硬衝", "敏感肌也可以放心用", "早晚各用一次", "擦完不黏膩很好吸收",
                 "夏天出門一定要擦{w}", "用了兩個禮拜毛孔有變細", "保濕力真的很夠", "乾肌冬天的救星", "{w}搭配{b}很加分"],
    ),
    "露營": dict(
        weight=10,
        words="帳篷 天幕 睡袋 營燈 露營車 折疊椅 蛋捲桌 地布 營釘 卡式爐 焚火台 鈦杯 露營裝備 營地 充氣床墊",
        brands=["Snow Peak", "Coleman", "Naturehike", "Helinox", "迪卡儂", "Logos", "MSR", "SnowPeak鈦杯"],
        tags="露營 露營裝備 戶外 親子露營 登山 開箱",
        clauses=["第一次帶小孩去露營", "{b}的{w}搭起來很快", "山上晚上溫差很大", "一定要帶保暖的{w}", "營地有乾淨的衛浴",
                 "半夜下大雨帳篷完全沒漏水", "早上起來煮一杯咖啡看雲海", "新手露營裝備清單分享", "收納起來體積很小",
                 "{w}是這次最值得的投資", "營位之間距離很寬敞", "記得帶防蚊液", "風大的時候營釘要打深一點"],
    ),
    "咖啡": dict(
        weight=9,
        words="手沖 咖啡豆 拿鐵 濾杯 磨豆機 冷萃 義式咖啡 拉花 耶加雪菲 淺焙 深焙 咖啡廳 美式咖啡 燕麥奶 手沖壺",
        brands=["Starbucks", "Hario V60", "Kalita", "Chemex", "Nespresso", "Comandante", "路易莎", "Blue Bottle"],
        tags="咖啡 手沖 咖啡廳 拿鐵 冷萃 台北咖啡",
        clauses=["每天早上一定要來一杯{w}", "這支{w}有明顯的花香和莓果調", "用{b}沖起來很乾淨", "水溫大約九十二度",
                 "粉水比一比十五", "悶蒸三十秒再開始注水", "巷子裡的小{w}很安靜", "適合帶電腦來工作", "拉花還在練習中",
                 "換了{w}之後風味差很多", "酸度明亮尾韻很長", "冰{w}夏天喝超消暑"],
    ),
    "旅行": dict(
        weight=10,
        words="自由行 行程 機票 飯店 民宿 京都 東京 大阪 首爾 曼谷 北海道 沖繩 紅葉 溫泉 地鐵 伴手禮 景點 夜市",
        brands=["Airbnb", "Klook", "JR Pass", "Agoda", "Suica"],
        tags="旅行 京都 東京 自由行 日本 溫泉 美食",
        clauses=["這次{w}五天四夜", "第一天先到{w}放行李", "買了{b}交通很方便", "清水寺早上人比較少", "秋天的{w}真的很美",
                 "晚上去逛了當地{w}", "住的{w}離車站走路五分鐘", "推薦給第一次去的朋友", "行程不要排太滿",
                 "伴手禮買了一整箱", "天氣預報說會下雨還好沒有", "{w}泡完整個人都放鬆了"],
    ),
    "3C": dict(
        weight=11,
        words="手機殼 耳機 降噪 續航 充電器 行動電源 平板 筆電 鍵盤 螢幕 相機 智慧手錶 藍牙耳機 快充 拍照",
        brands=["iPhone15", "iPhone 15 Pro", "AirPods Pro", "AirPods", "iPad Air", "MacBook Air", "Switch", "Kindle",
                "Sony WH-1000XM5", "Dyson", "Anker", "USB-C", "Pixel 8", "Galaxy S24", "AirPodsPro2"],
        tags="3C 開箱 iPhone15 耳機 數位 蘋果",
        clauses=["{b}用了三個月的心得", "{w}效果比想像中好", "通勤搭捷運終於安靜了", "電池{w}大概一整天",
                 "支援{w}半小時充到五成", "手感很輕放包包沒負擔", "拍照夜景模式進步很多", "配對很快沒有斷線問題",
                 "價格有點硬但值得", "換了{b}之後回不去了", "{w}是這次升級的重點", "螢幕在戶外也看得很清楚"],
    ),
    "穿搭": dict(
        weight=11,
        words="穿搭 顯瘦 衛衣 牛仔褲 大衣 針織衫 襯衫 球鞋 老爹鞋 通勤 韓系 日系 小個子 梨形身材 寬褲",
        brands=["Uniqlo", "ZARA", "GU", "Nike", "New Balance", "Adidas", "COS", "MUJI"],
        tags="穿搭 OOTD 顯瘦 小個子 通勤穿搭 秋冬穿搭",
        clauses=["{b}這件{w}版型很好", "小個子也能穿出比例", "秋冬{w}一定要有一件大衣", "上班通勤也很適合", "顏色很百搭",
                 "搭配{w}整體很有層次", "一五八公分穿M號剛好", "洗了幾次沒有起毛球", "材質摸起來很舒服",
                 "今天的{w}主打簡約", "週末約會這樣穿很加分", "這雙{w}走一整天都不累"],
    ),
    "美食": dict(
        weight=9,
        words="火鍋 燒肉 拉麵 甜點 早午餐 麻辣燙 鬆餅 牛肉麵 小籠包 烤鴨 蛋糕 珍珠奶茶 排隊名店 吃到飽",
        brands=["鼎泰豐", "海底撈", "一蘭", "Costco"],
        tags="美食 火鍋 甜點 台北美食 探店",
        clauses=["排了一個小時終於吃到{w}", "湯頭濃郁但不會太鹹", "服務很熱情", "份量很大兩個人吃剛好",
                 "這家{w}是在地人推薦的", "甜點不會太甜", "下次還會再來", "價格算合理", "週末一定要訂位", "{b}的{w}還是很穩"],
    ),
    "健身": dict(
        weight=6,
        words="減脂 增肌 重訓 瑜伽 跑步 蛋白質 雞胸肉 體脂 深蹲 核心 拉伸 馬拉松 健身房 飲食控制",
        brands=["Lululemon", "Keep", "Garmin", "Apple Watch", "Myprotein"],
        tags="健身 減脂 瑜伽 跑步 增肌",
        clauses=["堅持{w}三個月", "體脂從二十八降到二十二", "每天早上空腹跑步三十分鐘", "晚餐改吃{w}和青菜",
                 "{b}記錄運動很方便", "深蹲一定要注意膝蓋", "練完一定要拉伸", "新手先從徒手訓練開始", "{w}真的需要耐心",
                 "週末去爬山當有氧"],
    ),
    "寵物": dict(
        weight=5,
        words="貓砂 貓糧 狗糧 柯基 柴犬 布偶貓 結紮 驅蟲 罐頭 逗貓棒 寵物美容 凍乾",
        brands=["Royal Canin", "渴望", "希爾思", "Petkit"],
        tags="寵物 貓咪 柯基 毛孩 貓砂",
        clauses=["家裡的{w}最近很挑食", "換了{b}之後便便比較正常", "{w}除臭效果很好", "帶去打預防針", "每天都要陪牠玩半小時",
                 "掉毛季節要天天梳毛", "獸醫說要控制體重", "{w}是牠的最愛"],
    ),
    "居家": dict(
        weight=5,
        words="收納 掃地機器人 空氣清淨機 除濕機 香氛 床包 租屋 小坪數 北歐風 廚房 洗碗機 氣炸鍋",
        brands=["IKEA", "無印良品", "Dyson", "小米", "Panasonic", "iRobot"],
        tags="居家 收納 租屋 好物 開箱",
        clauses=["{b}的{w}CP值很高", "小坪數租屋也能住得很舒服", "{w}之後房間整齊多了", "梅雨季{w}一定要開",
                 "週末花了一天大掃除", "這個{w}真的是懶人必備", "聲音很小晚上開也不吵"],
    ),
}
GENERIC = ["真心推薦", "不是業配", "自費購買", "分享給大家", "有問題可以留言問我", "姊妹們衝", "老實說有點失望",
           "整體來說很滿意", "下次還會回購", "缺點是價格偏高", "朋友也說很好用", "用了半年的心得", "趁特價入手",
           "已經回購第三次", "這篇整理給需要的人"]
TITLES = ["{b}{w}開箱", "{w}使用心得｜{adj}", "新手{w}怎麼挑", "{place}{w}推薦", "{w}實測：{adj}", "{b} {w}值得買嗎",
          "我的{w}清單", "{season}{w}分享", "{w}踩雷紀錄", "{adj}的{w}", "{b}｜{w}{adj}", "{place}{season}{w}日記"]
ADJECTIVES = ["真心推薦", "超好用", "一生推", "不推", "平價好物", "小眾", "高CP值", "回購無數次", "後悔沒早買"]
SEASONS = ["秋冬", "夏天", "春季", "梅雨季", "過年", "週末"]
PLACES = ["台北", "台中", "高雄", "上海", "成都", "東京", "京都", "首爾", "香港", "北京"]
NAMES_EN = ["mia", "lin", "yu", "aki", "coco", "doudou", "kiki", "momo", "leo", "ann", "chen", "wang", "lily", "max"]
NAME_PARTS = ["小", "阿", "大", "喵", "豆", "糖", "柚子", "奶茶", "布丁", "芒果", "可可", "米粒"]
HANDLES = {"美妝": "beauty", "護膚": "skincare", "露營": "camping", "咖啡": "coffee", "旅行": "travel", "3C": "gadget",
           "穿搭": "ootd", "美食": "foodie", "健身": "fit", "寵物": "pets", "居家": "home"}

# ---- queries: (label, query-string parameters) ----

QUERIES = [
    *({"q": q} for q in ["口紅", "露營", "咖啡", "穿搭", "帳篷", "耳機", "保濕", "拿鐵", "京都", "顯瘦", "減脂", "貓砂",
                         "收納", "火鍋"]),  # Traditional words
    *({"q": q} for q in ["口红", "露营", "帐篷", "耳机", "保湿", "显瘦", "猫砂", "咖啡豆", "防晒乳", "降噪"]),  # Simplified
    *({"q": q} for q in ["露營裝備", "手沖咖啡", "敏感肌保濕", "行動電源", "梨形身材"]),  # words inside sentences
    *({"q": q} for q in ["手沖 咖啡", "東京 自由行", "秋冬 穿搭", "藍牙 耳機", "京都 紅葉", "露营 帐篷", "減脂 雞胸肉"]),
    *({"q": q} for q in ["YSL", "iPhone15", "iPhone 15", "AirPods", "AirPods Pro", "airpodspro", "Dyson", "Snow Peak",
                         "snowpeak", "Uniqlo", "SK-II", "Starbucks", "ＹＳＬ"]),  # brands
    *({"q": q} for q in ["#露營", "#ysl", "#開箱", "#咖啡 手沖"]),  # tags
    {"q": "iphnoe"}, {"q": "露營裝被"},  # misspelt
    {"q": "咖啡", "sort": "newest"}, {"q": "露營", "sort": "liked"},
    {"q": "口紅", "min_price_cents": "10000", "max_price_cents": "50000"},
    {"q": "耳機", "type": "products"}, {"q": "咖啡", "type": "users"},
]


# ---- corpus ----

def _t2s():
    import opencc

    return opencc.OpenCC("t2s").convert


def _when(rng, start: datetime, days: int) -> datetime:
    return start + timedelta(seconds=rng.randrange(days * 86400))


def generate(conn, notes: int, users: int = 2000, products: int = 1000, shops: int = 200, seed: int = 1) -> dict:
    """Insert the corpus with Core bulk inserts; returns row counts."""
    rng = random.Random(seed)
    to_s = _t2s()
    topics = list(TOPICS)
    weights = [TOPICS[t]["weight"] for t in topics]
    vocab = {t: {**v, "words": v["words"].split(), "tags": v["tags"].split()} for t, v in TOPICS.items()}
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def fill(template: str, topic: str) -> str:
        v = vocab[topic]
        return template.format(w=rng.choice(v["words"]), b=rng.choice(v["brands"]), adj=rng.choice(ADJECTIVES),
                               season=rng.choice(SEASONS), place=rng.choice(PLACES))

    def prose(topic: str, length: int) -> str:
        out, size = [], 0
        while size < length:
            if rng.random() < 0.15:
                clause = rng.choice(GENERIC)
            else:
                t = topic if rng.random() < 0.85 else rng.choices(topics, weights)[0]
                clause = fill(rng.choice(vocab[t]["clauses"]), t)
            out.append(clause + rng.choice("，，，，。。！～"))
            size += len(out[-1])
        text = "".join(out)[:max(length, 60)]
        return text.rstrip("，") + ("" if text[-1] in "。！～" else "。")

    # users: each writes in Traditional (60 %) or Simplified, about one favourite topic
    user_rows, user_script, user_topic = [], {}, {}
    for uid in range(1, users + 1):
        topic = rng.choices(topics, weights)[0]
        simplified = rng.random() < 0.4
        user_script[uid], user_topic[uid] = simplified, topic
        display = rng.choice(NAME_PARTS) + rng.choice(NAME_PARTS) + rng.choice(["", "的" + topic + "日常", "愛" + topic, "醬"])
        bio = prose(topic, rng.randint(10, 40)) if rng.random() < 0.7 else ""
        if simplified:
            display, bio = to_s(display), to_s(bio)
        user_rows.append({
            "id": uid, "username": f"{rng.choice(NAMES_EN)}_{HANDLES[topic]}{uid}", "display_name": display[:40],
            "bio": bio, "locale": "zh_Hans" if simplified else "zh_Hant", "password_hash": "!bench",
            "session_token": f"{rng.getrandbits(128):032x}", "is_admin": False,
            "created_at": _when(rng, start - timedelta(days=400), 360),
        })
    conn.execute(User.__table__.insert(), user_rows)
    follows = set()
    while len(follows) < users * 10:
        a, b = rng.randint(1, users), min(users, int(rng.paretovariate(0.8)))  # a few users have most followers
        if a != b:
            follows.add((a, b))
    conn.execute(Follow.__table__.insert(), [{"follower_id": a, "followee_id": b, "created_at": start}
                                             for a, b in sorted(follows)])

    # shops and products
    shop_rows = [{"id": s, "owner_id": s, "name": f"{user_rows[s - 1]['display_name'][:20]}的{user_topic[s]}選物",
                  "description": prose(user_topic[s], 40), "created_at": start - timedelta(days=30)}
                 for s in range(1, shops + 1)]
    conn.execute(Shop.__table__.insert(), shop_rows)
    product_rows, by_topic = [], {t: [] for t in topics}
    for pid in range(1, products + 1):
        shop = rng.randint(1, shops)
        topic = user_topic[shop] if rng.random() < 0.7 else rng.choices(topics, weights)[0]
        v = vocab[topic]
        name = f"{rng.choice(v['brands'])} {rng.choice(v['words'])}{rng.choice(['', ' 2代', ' Pro', ' 21號', ' 禮盒', ' 限定版'])}"
        product_rows.append({
            "id": pid, "shop_id": shop, "name": name[:100], "description": prose(topic, rng.randint(40, 200)),
            "price_cents": rng.randint(50, 20000) * 100, "currency": "CNY", "stock": rng.choice([0] + [rng.randint(1, 500)] * 9),
            "commission_bps": rng.choice([0, 0, 0, 0, 500, 1000]), "sold_count": rng.randint(0, 3000),
            "is_listed": rng.random() < 0.97, "created_at": _when(rng, start - timedelta(days=30), 30),
            "updated_at": start,
        })
        by_topic[topic].append(product_rows[-1])
    conn.execute(Product.__table__.insert(), product_rows)

    # notes, published in id order over a year, with one cover each, tags and some product links
    tag_ids: dict[str, int] = {}
    moments = sorted(_when(rng, start, 365) for _ in range(notes))
    authors = list(range(1, users + 1))
    author_weights = [1 / (i ** 0.6) for i in range(1, users + 1)]  # some authors write a lot more
    order_rows, counts = [], {"notes": notes, "note_tags": 0, "products linked": 0}
    batch: dict[str, list] = {"notes": [], "note_images": [], "note_tags": []}

    def flush():
        if batch["notes"]:
            conn.execute(Note.__table__.insert(), batch["notes"])
            conn.execute(NoteImage.__table__.insert(), batch["note_images"])
            new_tags = [{"id": i, "name": n} for n, i in tag_ids.items() if i > flush.tags_written]
            if new_tags:
                conn.execute(Tag.__table__.insert(), new_tags)
                flush.tags_written = max(tag_ids.values())
            if batch["note_tags"]:
                conn.execute(NoteTag.__table__.insert(), batch["note_tags"])
        for rows in batch.values():
            rows.clear()
    flush.tags_written = 0

    for nid in range(1, notes + 1):
        author = rng.choices(authors, author_weights)[0]
        topic = user_topic[author] if rng.random() < 0.6 else rng.choices(topics, weights)[0]
        v = vocab[topic]
        title = fill(rng.choice(TITLES), topic)
        body = prose(topic, rng.randint(60, 400))
        tags = list(dict.fromkeys(rng.sample(v["tags"], rng.randint(0, min(5, len(v["tags"]))))))
        if tags and rng.random() < 0.3:  # some write their tags into the body too
            body += " " + " ".join("#" + t for t in tags[:2])
        product = None
        if rng.random() < 0.3 and by_topic[topic]:
            product = rng.choice(by_topic[topic])
            counts["products linked"] += 1
        if user_script[author]:
            title, body, tags = to_s(title), to_s(body), [to_s(t) for t in tags]
        published = moments[nid - 1]
        likes = min(50000, int(rng.paretovariate(1.2)) - 1)
        batch["notes"].append({
            "id": nid, "author_id": author, "title": title[:100], "body": body, "is_draft": False,
            "product_id": product["id"] if product else None, "rating": rng.randint(1, 5) if product else None,
            "like_count": likes, "collect_count": likes // 3, "comment_count": likes // 10,
            "created_at": published - timedelta(minutes=rng.randint(1, 600)), "updated_at": published,
            "published_at": published,
        })
        batch["note_images"].append({"id": nid, "note_id": nid, "position": 0, "key": f"bench{nid:016d}",
                                     "width": 1080, "height": 1440})
        for name in dict.fromkeys(normalize_tag(t) for t in tags):
            tag_ids.setdefault(name, len(tag_ids) + 1)
            batch["note_tags"].append({"note_id": nid, "tag_id": tag_ids[name]})
            counts["note_tags"] += 1
        if product and product["shop_id"] != author and rng.random() < 0.25:  # the author bought it and kept it
            order_rows.append({
                "buyer_id": author, "product_id": product["id"], "shop_id": product["shop_id"], "note_id": None,
                "quantity": 1, "unit_price_cents": product["price_cents"], "total_cents": product["price_cents"],
                "currency": "CNY", "status": "completed", "created_at": published - timedelta(days=7),
                "updated_at": published, "paid_at": published - timedelta(days=7), "completed_at": published,
            })
        if nid % 5000 == 0:
            flush()
    flush()
    if order_rows:
        conn.execute(Order.__table__.insert(), order_rows)
    counts.update(users=users, follows=len(follows), shops=shops, products=products, tags=len(tag_ids),
                  orders=len(order_rows))
    return counts


# ---- raw Whoosh ----

def raw_build(path: Path, docs: list[dict]) -> float:
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(path, Schema(id=ID(stored=True, unique=True), title=TEXT, body=TEXT))
    started = time.perf_counter()
    writer = ix.writer(limitmb=256)
    for doc in docs:
        writer.add_document(id=str(doc["id"]), title=doc["title"], body=doc["body"])
    writer.commit()
    return time.perf_counter() - started


class RawSearcher:
    def __init__(self, path: Path):
        from whoosh import index as whoosh_index
        from whoosh.qparser import MultifieldParser

        self.ix = whoosh_index.open_dir(path)
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema)

    def search(self, q: str) -> list[str]:
        results = self.searcher.search(self.parser.parse(q), limit=20)
        return [hit["id"] for hit in results]

    def count(self, q: str) -> int:
        """Every matching document (len() of Whoosh results runs the whole query again: not timed)."""
        return len(self.searcher.search(self.parser.parse(q), limit=20))

    def close(self):
        self.searcher.close()


def docs_sample(session, size: int = 2000) -> list[dict]:
    return documents.load(session, "notes", range(1, size + 1))


def terms_per_note(docs: list[dict]) -> float:
    """Postings a note adds to our index: distinct terms per text field, summed."""
    from app.search.analysis import index_words

    fields = ("title", "body", "tag_text", "author", "product")
    return statistics.mean(sum(len(set(index_words(d[f] or ""))) for f in fields) for d in docs)


def raw_terms_per_note(docs: list[dict]) -> float:
    from whoosh.analysis import StandardAnalyzer

    analyzer = StandardAnalyzer()
    return statistics.mean(sum(len({t.text for t in analyzer(d[f] or "")}) for f in ("title", "body")) for d in docs)


# ---- figures ----

def pct(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def containing(texts: list[str], params: dict) -> int | None:
    """Notes whose folded title, body or tags hold every word of the query as a substring: a rough
    ground truth for recall (None for product and user searches)."""
    if params.get("type", "notes") != "notes":
        return None
    words = [fold(w.lstrip("#＃")) for w in params["q"].split()]
    return sum(1 for text in texts if all(w in text for w in words))


def our_total(index: SearchIndex, params: dict) -> int | None:
    """Every note our index matches for the query (the API shows at most a page of them)."""
    if params.get("type", "notes") != "notes":
        return None
    parsed = parse_query(params["q"])
    filters = service.parse_filters(params)
    request = SearchRequest(kind="notes", words=service.plan_words(index, "notes", parsed.words), tags=parsed.tags,
                            price_range=(filters.min_price_cents, filters.max_price_cents), limit=1_000_000)
    return len(index.search(request).ids)


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def label(params: dict) -> str:
    extra = " ".join(f"{k}={v}" for k, v in params.items() if k != "q")
    return params["q"] + (f"  [{extra}]" if extra else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="index builds of each kind (median printed)")
    parser.add_argument("--passes", type=int, default=5, help="timed passes over the queries (after one warm-up)")
    parser.add_argument("--db", default="/tmp/bench_search.sqlite3")
    parser.add_argument("--index-dir", default="/tmp/bench_search_index")
    parser.add_argument("--profile", choices=["build", "query"], action="append", default=[])
    parser.add_argument("--cold", action="store_true", help="no posting lists cached between queries")
    args = parser.parse_args()
    if args.cold:
        set_postings_cache(0)

    db_path, index_dir = Path(args.db), Path(args.index_dir)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix="bench_search_", dir="/tmp"))
    config = TestingConfig()
    config.DATABASE_URL = f"sqlite:///{db_path}"
    config.SEARCH_INDEX_DIR = str(index_dir)
    config.MEDIA_DIR = str(work / "media")
    config.RATELIMIT_ENABLED = False
    app = create_app(config)

    try:
        with app.app_context():
            engine = db.engine_for_app
            with engine.begin() as conn:
                Base.metadata.create_all(conn)
            started = time.perf_counter()
            with engine.begin() as conn:
                counts = generate(conn, args.notes)
            print(f"corpus: {', '.join(f'{v:,} {k}' for k, v in counts.items())} "
                  f"(generated and inserted in {time.perf_counter() - started:.1f} s)", flush=True)
            session = db.session
            sample = session.get(Note, 1)
            print(f"  e.g. note 1: {sample.title} / {sample.body[:60]}…")
            bodies = [len(b) for b in session.scalars(Note.__table__.select().with_only_columns(Note.body))]
            print(f"  body length: mean {statistics.mean(bodies):.0f}, min {min(bodies)}, max {max(bodies)} chars")
            session.rollback()

            # ---- index build ----
            print(f"\nindex build ({args.runs} runs each; 2 CPUs, noisy: medians)", flush=True)
            ours, docs_only, write_only, raw = [], [], [], []
            totals = {}
            raw_dir = work / "raw"
            for run in range(max(1, args.runs)):
                close_searchers()
                started = time.perf_counter()
                totals = outbox.reindex(db.session)
                ours.append(time.perf_counter() - started)
                db.session.close()

                started = time.perf_counter()
                docs = list(documents.iter_all(db.session, "notes"))
                docs_only.append(time.perf_counter() - started)
                db.session.close()

                scratch = SearchIndex(work / "write_only")
                started = time.perf_counter()
                scratch.rebuild({"notes": docs, "products": [], "users": []})
                write_only.append(time.perf_counter() - started)
                shutil.rmtree(work / "write_only", ignore_errors=True)

                raw.append(raw_build(raw_dir, docs))
                if run == max(1, args.runs) - 1:
                    texts = [fold(f"{d['title']}\n{d['body']}\n{d['tag_text']}") for d in docs]
                all_docs = sum(totals.values())
                print(f"  run {run + 1}: reindex {ours[-1]:.1f} s ({totals['notes'] / ours[-1]:,.0f} notes/s, "
                      f"{all_docs / ours[-1]:,.0f} docs/s) | note documents {docs_only[-1]:.1f} s | "
                      f"Whoosh writing {write_only[-1]:.1f} s | raw Whoosh {raw[-1]:.1f} s", flush=True)
                del docs
            n = totals["notes"]
            all_docs = sum(totals.values())
            ours_gen = index_dir / "current"
            print(f"  documents: {', '.join(f'{v:,} {k}' for k, v in totals.items())}; "
                  f"index {dir_mb(ours_gen.resolve()):.0f} MB, raw Whoosh index {dir_mb(raw_dir):.0f} MB")

            sample = docs_sample(db.session)
            print(f"  distinct index terms per note (sample of {len(sample):,}): ours {terms_per_note(sample):.0f} "
                  f"(title, body, tag_text, author, product), raw Whoosh {raw_terms_per_note(sample):.0f} (title, body)")
            db.session.close()

            rows = [
                ("outbox.reindex (rows -> documents -> Whoosh)", statistics.median(ours), n, all_docs),
                ("  note documents from the DB only (iter_all)", statistics.median(docs_only), n, None),
                ("  Whoosh writing only (SearchIndex.rebuild)", statistics.median(write_only), n, None),
                ("raw Whoosh, StandardAnalyzer, id/title/body", statistics.median(raw), n, None),
            ]
            print(f"\n  {'build':<48}{'seconds':>9}{'notes/s':>10}{'docs/s':>10}")
            for name, seconds, notes, docs_total in rows:
                docs_rate = f"{docs_total / seconds:>10,.0f}" if docs_total else f"{'':>10}"
                print(f"  {name:<48}{seconds:>9.1f}{notes / seconds:>10,.0f}{docs_rate}")
            print("  target: >= 3,000 notes/s for the full rebuild")

            if "build" in args.profile:
                profile(lambda: outbox.reindex(db.session), "one outbox.reindex")
                db.session.close()

        # ---- query latency ----
        raw_searcher = RawSearcher(raw_dir)
        client = app.test_client()
        api_ms: dict[int, list[float]] = {i: [] for i in range(len(QUERIES))}
        service_ms: dict[int, list[float]] = {i: [] for i in range(len(QUERIES))}
        raw_ms: dict[int, list[float]] = {i: [] for i in range(len(QUERIES))}
        found_ours, found_raw, suggested, errors = {}, {}, {}, []
        pass_p50 = []

        def api_pass(record: bool):
            times = []
            for i, params in enumerate(QUERIES):
                url = "/api/v1/search?" + urlencode({**params, "limit": 20})
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    errors.append((label(params), response.status_code, response.get_data(as_text=True)[:200]))
                    continue
                if record:
                    api_ms[i].append(elapsed)
                    times.append(elapsed)
                else:
                    body = response.get_json()
                    found_ours[i], suggested[i] = len(body["items"]), body["did_you_mean"]
            return times

        def service_pass(record: bool):
            with app.app_context():
                for i, params in enumerate(QUERIES):
                    filters = service.parse_filters(params)
                    started = time.perf_counter()
                    service.search(db.session, None, params["q"], kind=params.get("type", "notes"), filters=filters,
                                   sort=params.get("sort", "relevance"), limit=20)
                    elapsed = (time.perf_counter() - started) * 1000
                    db.session.close()
                    if record:
                        service_ms[i].append(elapsed)

        def raw_pass(record: bool):
            for i, params in enumerate(QUERIES):
                started = time.perf_counter()
                raw_searcher.search(params["q"])
                elapsed = (time.perf_counter() - started) * 1000
                if record:
                    raw_ms[i].append(elapsed)
                else:
                    found_raw[i] = raw_searcher.count(params["q"])

        print(f"\nquery latency: {len(QUERIES)} queries, 1 warm-up pass + {args.passes} timed passes, limit=20", flush=True)
        api_pass(False)
        service_pass(False)
        raw_pass(False)
        for _ in range(args.passes):  # interleaved, so machine noise hits all three alike
            pass_p50.append(statistics.median(api_pass(True)))
            service_pass(True)
            raw_pass(True)
        for text in errors[:5]:
            print(f"  ERROR {text}")
        with app.app_context():
            ours_total = {i: our_total(outbox.current_index(), p) for i, p in enumerate(QUERIES)}
        truth = {i: containing(texts, p) for i, p in enumerate(QUERIES)}

        flat = {name: [t for ts in per.values() for t in ts]
                for name, per in (("api", api_ms), ("service", service_ms), ("raw", raw_ms))}
        print("\n  per query, ms (median of passes):")
        print(f"  {'API':>7}{'svc':>7}{'raw':>7}{'page':>6}{'ours#':>7}{'raw#':>7}{'has':>7}  query")

        def num(value):
            return "-" if value is None else f"{value:,}"

        for i, params in enumerate(QUERIES):
            note = f"  did you mean: {suggested[i]}" if suggested.get(i) else ""
            print(f"  {statistics.median(api_ms[i]):>7.1f}{statistics.median(service_ms[i]):>7.1f}"
                  f"{statistics.median(raw_ms[i]):>7.2f}{found_ours.get(i, 0):>6}{num(ours_total[i]):>7}"
                  f"{found_raw.get(i, 0):>7,}{num(truth[i]):>7}  {label(params)}{note}")
        print("  (page = items the API returned, at most 20; ours# / raw# = notes matched by our index / raw Whoosh;\n"
              "   has = notes whose folded title, body or tags contain every query word, a rough ground truth)")

        print(f"\n  {'latency over all requests':<44}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
        for name, key in (("API in-process: GET /api/v1/search", "api"), ("service.search() directly", "service"),
                          ("raw Whoosh (parse + search, reused searcher)", "raw")):
            values = flat[key]
            print(f"  {name:<44}{pct(values, 50):>8.2f}{pct(values, 95):>8.2f}{max(values):>8.1f}")
        print(f"  API p50 per pass: {', '.join(f'{p:.1f}' for p in pass_p50)} ms")
        print(f"  ratio API p50 / raw Whoosh p50: {pct(flat['api'], 50) / pct(flat['raw'], 50):.1f}x; "
              f"target API p50 <= 10 ms, p95 <= 30 ms")

        notes_queries = [i for i, p in enumerate(QUERIES) if p.get("type", "notes") == "notes"]
        ours_any = sum(1 for i in notes_queries if found_ours.get(i))
        ours_or_dym = sum(1 for i in notes_queries if found_ours.get(i) or suggested.get(i))
        raw_any = sum(1 for i in notes_queries if found_raw.get(i))
        total = len(notes_queries)
        print(f"\n  queries over notes finding >= 1 note: ours {ours_any}/{total} ({ours_any / total:.0%}; "
              f"{ours_or_dym}/{total} counting did-you-mean), raw Whoosh {raw_any}/{total} ({raw_any / total:.0%})")
        judged = [i for i in notes_queries if truth[i]]
        ours_share = statistics.mean(min(1.0, ours_total[i] / truth[i]) for i in judged)
        raw_share = statistics.mean(min(1.0, found_raw[i] / truth[i]) for i in judged)
        print(f"  matched / containing, mean over {len(judged)} queries with a ground truth: "
              f"ours {ours_share:.0%}, raw Whoosh {raw_share:.0%}")

        if "query" in args.profile:
            profile(lambda: api_pass(True), "one API pass over the queries")
            with app.app_context():
                profile(lambda: service_pass(True), "one service.search pass over the queries")
        raw_searcher.close()
    finally:
        close_searchers()
        with app.app_context():
            db.engine_for_app.dispose()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
