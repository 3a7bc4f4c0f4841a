//! A fixed catalogue for the search tests: about a hundred products across the seeded
//! categories, five sellers (one with an accented name, one without reviews), a few products
//! that are hidden, drafts or removed, some out of stock, accents in titles.

use sqlx::PgPool;
use uuid::Uuid;

/// `handle | display name | rating total | rating count`
pub const SELLERS: &str = "
ada-attic | Ada's Attic | 48 | 10
bram-vintage | Bram Vintage | 35 | 10
celine-crafts | Céline Crafts | 45 | 10
dmitri-tech | Dmitri Electronics | 42 | 10
nordic-threads | Nordic Threads | 0 | 0
";

/// `slug | title | description | category | seller | price cents | stock | condition | status`
/// Published one hour apart in this order, the first the newest.
pub const PRODUCTS: &str = "
leather-jacket-brown | Brown Leather Jacket | Classic biker jacket in soft brown cowhide, quilted lining, brass zips. | mens-clothing | bram-vintage | 12000 | 1 | good | active
leather-jacket-black-womens | Black Leather Jacket for Women | Cropped and fitted, lambskin, barely worn. | womens-clothing | ada-attic | 15000 | 1 | like_new | active
denim-jacket | Vintage Denim Jacket | Faded blue trucker jacket from the nineties. | mens-clothing | bram-vintage | 4500 | 2 | good | active
wool-sweater-cream | Cream Wool Sweater | Hand-knitted merino jumper with a cable pattern. | womens-clothing | nordic-threads | 6000 | 3 | new | active
wool-scarf | Chunky Wool Scarf | Long and warm, knitted in grey merino. | bags-accessories | nordic-threads | 2500 | 5 | new | active
silk-dress-emerald | Emerald Silk Dress | Bias-cut slip dress in deep green silk. | womens-clothing | ada-attic | 9000 | 1 | like_new | active
linen-shirt | White Linen Shirt | Relaxed summer shirt, mother of pearl buttons. | mens-clothing | nordic-threads | 3500 | 4 | new | active
kids-raincoat | Yellow Kids Raincoat | Waterproof coat for children aged four to five. | kids-clothing | ada-attic | 2200 | 1 | good | active
trail-running-shoes | Trail Running Shoes | Lightweight runners with grippy soles, size 42. | shoes | dmitri-tech | 7000 | 1 | like_new | active
leather-boots | Leather Chelsea Boots | Dark brown ankle boots with elastic sides. | shoes | bram-vintage | 9500 | 0 | good | active
canvas-sneakers | Canvas Sneakers | White low tops, some scuffs on the toes. | shoes | ada-attic | 3000 | 1 | fair | active
leather-handbag | Leather Handbag in Tan | Handstitched bag with a long shoulder strap. | bags-accessories | celine-crafts | 11000 | 1 | good | active
waxed-backpack | Waxed Canvas Backpack | Roomy rucksack with a padded laptop sleeve. | bags-accessories | celine-crafts | 8000 | 2 | new | active
tortoiseshell-sunglasses | Tortoiseshell Sunglasses | Round frames with UV400 lenses and a case. | bags-accessories | ada-attic | 4000 | 1 | good | active
oak-dining-table | Solid Oak Dining Table | Extendable farmhouse table, seats six. | furniture | bram-vintage | 65000 | 1 | good | active
mid-century-armchair | Mid-Century Armchair | Teak frame with green wool upholstery. | furniture | bram-vintage | 32000 | 1 | good | active
pine-bookshelf | Pine Bookshelf | Five shelves, a few marks on the sides. | furniture | ada-attic | 8500 | 1 | fair | active
cast-iron-skillet | Cast Iron Skillet | Pre-seasoned 26 cm frying pan. | kitchen | nordic-threads | 3600 | 2 | like_new | active
espresso-machine | Espresso Machine with Milk Frother | Fifteen bar pump, makes cappuccino and latte. | kitchen | dmitri-tech | 24000 | 0 | like_new | active
ceramic-mugs | Set of Four Ceramic Mugs | Handmade stoneware glazed in blue. | kitchen | celine-crafts | 2800 | 6 | new | active
chef-knife | Japanese Chef Knife | Damascus steel gyuto, 21 cm blade. | kitchen | nordic-threads | 8600 | 1 | new | active
brass-candlesticks | Pair of Brass Candlesticks | Heavy and polished, from an estate sale. | decor | bram-vintage | 4600 | 1 | good | active
round-wall-mirror | Round Wall Mirror | Gilt frame, 60 cm across. | decor | ada-attic | 6100 | 1 | good | active
linen-duvet | Linen Duvet Cover | Stonewashed, double size, sage green. | bedding | nordic-threads | 9600 | 3 | new | active
bath-towels | Cotton Bath Towels | A set of three thick towels. | bedding | nordic-threads | 3100 | 8 | new | active
terracotta-pots | Terracotta Plant Pots | Three sizes with saucers. | garden | celine-crafts | 1800 | 9 | new | active
pruning-shears | Pruning Shears | Bypass secateurs, freshly sharpened. | garden | bram-vintage | 2200 | 1 | good | active
porcelain-teapot | Porcelain Teapot | Holds six cups, a delicate floral pattern. | kitchen | celine-crafts | 3800 | 1 | like_new | active
iphone-12 | iPhone 12 64GB Blue | Unlocked, battery health 88 percent. | phones | dmitri-tech | 32000 | 1 | good | active
samsung-galaxy | Samsung Galaxy S21 | Unlocked smartphone with charger. | phones | dmitri-tech | 29000 | 1 | good | active
pixel-phone | Google Pixel 7 Smartphone | Obsidian colour, always in a case. | phones | dmitri-tech | 35000 | 1 | like_new | active
macbook-air | MacBook Air M1 13-inch | Laptop with 8GB RAM and a 256GB SSD. | computers | dmitri-tech | 65500 | 0 | like_new | active
thinkpad | Lenovo ThinkPad X1 Carbon Laptop | Business ultrabook, new battery. | computers | dmitri-tech | 52000 | 1 | good | active
ipad-mini | iPad Mini Tablet | Sixth generation, 64GB, wifi. | computers | ada-attic | 28000 | 1 | good | active
mechanical-keyboard | Mechanical Keyboard with Brown Switches | Tenkeyless, PBT keycaps. | computers | dmitri-tech | 7500 | 2 | like_new | active
sony-headphones | Sony Wireless Noise Cancelling Headphones | Over-ear, thirty hours of battery. | audio | dmitri-tech | 18000 | 1 | like_new | active
bluetooth-speaker | Portable Bluetooth Speaker | Splashproof, fits in a bag. | audio | ada-attic | 4400 | 1 | good | active
belt-turntable | Belt Drive Turntable | Record player with a built-in preamp. | audio | bram-vintage | 16000 | 1 | good | active
canon-film-camera | Canon AE-1 Film Camera | 35mm SLR with a 50mm lens. | cameras | bram-vintage | 21000 | 1 | good | active
fujifilm-mirrorless | Fujifilm X-T3 Mirrorless Camera | Body only, low shutter count. | cameras | dmitri-tech | 78000 | 1 | like_new | active
aluminium-tripod | Aluminium Camera Tripod | Folds to 45 cm, ball head. | cameras | ada-attic | 4100 | 1 | good | active
nintendo-switch | Nintendo Switch Console | With two joy-cons and a dock. | gaming | dmitri-tech | 23000 | 1 | good | active
ps5-controller | PlayStation 5 Controller | DualSense, white. | gaming | dmitri-tech | 5000 | 1 | like_new | active
original-game-boy | Original Game Boy | Grey brick, screen works, battery cover missing. | gaming | bram-vintage | 9100 | 1 | fair | active
dune-paperback | Dune by Frank Herbert | Paperback science fiction classic. | fiction | ada-attic | 900 | 1 | good | active
pride-and-prejudice | Pride and Prejudice Hardcover | Jane Austen, clothbound edition. | fiction | ada-attic | 1500 | 1 | like_new | active
the-hobbit | The Hobbit Illustrated Edition | Tolkien with Alan Lee's illustrations. | fiction | ada-attic | 2500 | 1 | good | active
sapiens | Sapiens: A Brief History of Humankind | Yuval Noah Harari, paperback. | non-fiction | ada-attic | 1200 | 1 | good | active
italian-cookbook | Italian Cookbook: Pasta and Pizza | Regional recipes with photographs. | non-fiction | celine-crafts | 1800 | 1 | like_new | active
the-gruffalo | The Gruffalo Picture Book | Board book for toddlers. | childrens-books | ada-attic | 600 | 1 | good | active
batman-year-one | Batman: Year One Graphic Novel | Frank Miller and David Mazzucchelli. | comics | bram-vintage | 1400 | 1 | good | active
one-piece-manga | One Piece Manga Volumes 1-10 | English editions, spines uncreased. | comics | bram-vintage | 4700 | 1 | good | active
calculus-textbook | Calculus Textbook 8th Edition | Some highlighting in early chapters. | textbooks | ada-attic | 4200 | 1 | fair | active
organic-chemistry | Organic Chemistry Textbook | University course book with solutions manual. | textbooks | ada-attic | 5500 | 1 | good | active
seascape-oil | Seascape Oil Painting | Original oil on canvas of a stormy sea. | paintings | celine-crafts | 40000 | 1 | new | active
watercolour-landscape | Watercolour Landscape Painting | Rolling hills at dusk, framed. | paintings | celine-crafts | 15500 | 1 | new | active
bauhaus-poster | Bauhaus Exhibition Poster | Reproduction print, 50 by 70 cm. | prints | celine-crafts | 3200 | 4 | new | active
paris-street-print | Paris Street Photography Print | Black and white giclée print, signed. | photography | celine-crafts | 5600 | 2 | new | active
bronze-hare | Small Bronze Sculpture of a Hare | Cast bronze on a marble base. | sculpture | bram-vintage | 26000 | 1 | good | active
knitted-blanket | Hand-Knitted Blanket | Chunky wool throw in oatmeal. | crafts | nordic-threads | 12500 | 1 | new | active
macrame-wall-hanging | Macramé Wall Hanging | Cotton cord on a driftwood branch. | crafts | celine-crafts | 4800 | 2 | new | active
silver-necklace | Sterling Silver Necklace | Fine chain with a small pendant. | necklaces | celine-crafts | 6500 | 3 | new | active
pearl-necklace | Freshwater Pearl Necklace | Single strand on a silver clasp. | necklaces | ada-attic | 12100 | 1 | like_new | active
gold-signet-ring | Gold Signet Ring | Nine carat, size P. | rings | bram-vintage | 28100 | 1 | good | active
diamond-engagement-ring | Diamond Engagement Ring | Platinum band, half carat solitaire. | rings | ada-attic | 150000 | 1 | like_new | active
silver-hoop-earrings | Silver Hoop Earrings | Lightweight hoops, 30 mm. | earrings | celine-crafts | 3400 | 5 | new | active
seiko-automatic | Seiko Automatic Watch | Day-date dial with a brown leather strap. | watches | dmitri-tech | 22000 | 1 | good | active
antique-pocket-watch | Antique Pocket Watch | Silver case, keeps good time. | watches | bram-vintage | 18100 | 1 | fair | active
carbon-road-bike | Road Bike with Carbon Frame | Lightweight bicycle, 54 cm, Shimano groupset. | cycling | dmitri-tech | 120000 | 1 | good | active
cycling-helmet | Cycling Helmet | Size M, never crashed. | cycling | nordic-threads | 4050 | 1 | like_new | active
cork-yoga-mat | Cork Yoga Mat | Non-slip, natural rubber underside. | fitness | nordic-threads | 3550 | 4 | new | active
adjustable-dumbbells | Adjustable Dumbbells | Pair, 2 to 24 kg each. | fitness | dmitri-tech | 15100 | 1 | good | active
two-person-tent | Two-Person Camping Tent | Lightweight backpacking shelter, used twice. | camping | nordic-threads | 13000 | 1 | good | active
down-sleeping-bag | Down Sleeping Bag | Comfort rating minus five. | camping | nordic-threads | 11100 | 1 | like_new | active
hiking-boots | Waterproof Hiking Boots | Gore-tex lining, size 43. | camping | nordic-threads | 8550 | 1 | good | active
leather-football | Leather Football | Hand-stitched match ball. | team-sports | bram-vintage | 2550 | 1 | good | active
tennis-racket | Wilson Tennis Racket | Strung recently, with cover. | team-sports | ada-attic | 6050 | 1 | good | active
catan | Settlers of Catan Board Game | Complete, cards sleeved. | board-games | ada-attic | 3050 | 1 | like_new | active
wooden-chess-set | Wooden Chess Set | Weighted pieces and a folding board. | board-games | bram-vintage | 4450 | 1 | good | active
jigsaw-puzzle | 1000 Piece Jigsaw Puzzle | Alpine lake, all pieces present. | puzzles | ada-attic | 1450 | 2 | new | active
lego-castle | LEGO Medieval Castle | Complete with instructions and minifigures. | building-toys | dmitri-tech | 9550 | 1 | like_new | active
wooden-blocks | Wooden Building Blocks | Fifty beech blocks in a bag. | building-toys | nordic-threads | 2450 | 2 | good | active
vintage-teddy | Vintage Teddy Bear | Mohair, a little threadbare. | dolls-figures | bram-vintage | 4150 | 1 | fair | active
yamaha-acoustic | Yamaha Acoustic Guitar | Spruce top, new strings, soft case. | instruments | bram-vintage | 18050 | 1 | good | active
fender-stratocaster | Fender Stratocaster Electric Guitar | Sunburst, maple neck. | instruments | dmitri-tech | 65100 | 1 | like_new | active
soprano-ukulele | Soprano Ukulele | Mahogany, with a gig bag. | instruments | nordic-threads | 4560 | 3 | new | active
digital-piano | Digital Piano with Weighted Keys | 88 keys, stand and pedal included. | instruments | dmitri-tech | 42000 | 1 | good | active
abbey-road-vinyl | The Beatles Abbey Road Vinyl | Original pressing LP record. | vinyl | bram-vintage | 4010 | 1 | good | active
kind-of-blue-vinyl | Miles Davis Kind of Blue Vinyl | Reissue on 180 gram. | vinyl | bram-vintage | 3510 | 1 | like_new | active
pioneer-dj-controller | Pioneer DJ Controller | Two channels, with software licence. | music-gear | dmitri-tech | 21050 | 1 | good | active
condenser-microphone | Studio Condenser Microphone | Cardioid, with shock mount. | music-gear | dmitri-tech | 9510 | 1 | like_new | active
stamp-album | Stamp Collection Album | Around 600 stamps from Europe. | coins-stamps | bram-vintage | 7520 | 1 | good | active
silver-coin-set | Silver Coin Set | Ten proof coins in a case. | coins-stamps | bram-vintage | 14020 | 1 | good | active
victorian-mantel-clock | Victorian Mantel Clock | Slate case, chimes on the hour. | antiques | bram-vintage | 34020 | 1 | fair | active
pokemon-cards | Pokémon Trading Cards Bundle | Two hundred cards, some holos. | trading-cards | ada-attic | 6020 | 1 | good | active
baseball-cards | Baseball Cards Collection | Eighties and nineties, in binders. | trading-cards | bram-vintage | 8020 | 1 | good | active
bistro-cafe-table | Bistro Café Table | Marble top with a cast iron base. | furniture | celine-crafts | 15030 | 1 | good | active
creme-brulee-torch | Crème Brûlée Torch Set | Refillable torch and four ramekins. | kitchen | celine-crafts | 2530 | 2 | new | active
mystery-kitchen-box | Mystery Box of Household Odds | Utensils, tea towels and a colander. | home | ada-attic | 2040 | 1 | fair | active
suede-jacket | Suede Jacket | Tan suede, hidden by the seller. | mens-clothing | bram-vintage | 9900 | 1 | good | hidden
brass-desk-lamp | Brass Desk Lamp | Still a draft. | decor | bram-vintage | 5500 | 1 | good | draft
replica-rolex | Replica Rolex Watch | Removed by an admin. | watches | dmitri-tech | 9000 | 1 | new | removed
";

/// One product of the corpus, as the test oracle sees it.
#[derive(Clone, Debug)]
pub struct P {
    pub slug: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    pub parent: Option<String>,
    pub seller: &'static str,
    pub price: i64,
    pub stock: i32,
    pub condition: &'static str,
    pub status: &'static str,
    /// Position in the table: smaller is newer.
    pub age: usize,
    pub rating: Option<(i32, i32)>,
    pub id: Uuid,
    pub category_id: i32,
}

fn cells(line: &'static str) -> Vec<&'static str> {
    line.split('|').map(str::trim).collect()
}

/// Inserts the sellers and products; returns the products as inserted.
pub async fn load(db: &PgPool) -> Vec<P> {
    let mut ratings = std::collections::HashMap::new();
    for (i, line) in SELLERS.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let c = cells(line);
        let (total, count): (i32, i32) = (c[2].parse().unwrap(), c[3].parse().unwrap());
        let user_id: Uuid = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, referral_code) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(format!("{}@sellers.test", c[0]))
        .bind(c[1])
        .bind(format!("REF{i}"))
        .fetch_one(db)
        .await
        .unwrap();
        sqlx::query("INSERT INTO sellers (user_id, handle, rating_total, rating_count) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(c[0])
            .bind(total)
            .bind(count)
            .execute(db)
            .await
            .unwrap();
        ratings.insert(c[0], (user_id, (count > 0).then_some((total, count))));
    }
    let mut out = Vec::new();
    for (age, line) in PRODUCTS.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let c = cells(line);
        let (seller_id, rating) = ratings[c[4]];
        let (id, category_id, parent): (Uuid, i32, Option<String>) = sqlx::query_as(
            "INSERT INTO products (seller_id, slug, title, description, category_id, price_cents, stock, condition,
                                   status, published_at)
             SELECT $1, $2, $3, $4, c.id, $6, $7, $8::product_condition, $9::product_status,
                    timestamptz '2026-11-01 12:00:00+00' - make_interval(hours => $10)
               FROM categories c WHERE c.slug = $5
             RETURNING id, category_id, (SELECT p.slug FROM categories k JOIN categories p ON p.id = k.parent_id
                                          WHERE k.id = category_id)",
        )
        .bind(seller_id)
        .bind(c[0])
        .bind(c[1])
        .bind(c[2])
        .bind(c[3])
        .bind(c[5].parse::<i64>().unwrap())
        .bind(c[6].parse::<i32>().unwrap())
        .bind(c[7])
        .bind(c[8])
        .bind(age as i32)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("product {}: {e}", c[0]));
        out.push(P {
            slug: c[0],
            title: c[1],
            category: c[3],
            parent,
            seller: c[4],
            price: c[5].parse().unwrap(),
            stock: c[6].parse().unwrap(),
            condition: c[7],
            status: c[8],
            age,
            rating,
            id,
            category_id,
        });
    }
    out
}
