"""A seeded generator of invoice lines in the Online Retail layout, for tests, the demo and suites.

``synthetic_transactions(customers, seed)`` returns the rows as the data set's CSV holds them
(``InvoiceDate`` text such as ``12/1/2010 8:26``, ``CustomerID`` a float with NaN for guests,
integer quantities, prices in pounds) between 1 Dec 2010 and 9 Dec 2011, and each customer's
behaviour (an index into ``ARCHETYPES``) as the truth. Every customer keeps at least one clean
purchase, so the truth covers every customer the cleaning leaves.

Each customer has one archetype, drawn with ``ARCHETYPE_SHARES``; ``PROFILES`` gives, per
archetype, the days since the last purchase, the number of invoices and lines per invoice (one
plus a Poisson draw), the quantity per line and the price paid relative to the list price. A
customer's own appetite (lognormal, sigma ``APPETITE_SIGMA``) multiplies its lines per invoice
and, by its square root, its items per line, and its invoice count is Gamma-mixed Poisson, so
each behaviour has a heavy tail and the behaviours overlap at their edges:

- ``high-value loyal``: bought within the last weeks, about 15 invoices over most of the year,
  many lines, dozens of items a line;
- ``bulk low-frequency``: one to three invoices of wholesale packs (24-288 items a line) at a
  trade discount;
- ``recent low spender``: a first purchase or two in the last month, a few items;
- ``at-risk lapsed``: last bought five months to a year ago, one to three small invoices.

On top of the clean lines, the rows the seed's cleaning removes, as copies of clean lines so no
purchase is lost: cancellations (``C`` + the invoice number, negated quantity, later the same
day or the next), guest lines without a customer, lines with quantity <= 0 or price <= 0, and
non-product lines (``POST`` on some invoices, a few ``M``, ``D``, ``DOT``, ``BANK CHARGES``);
some clean lines lose their description (each stock code has one description, so the cleaning's
fill restores it unless that line was the code's only one). The rows are in time order, like the data set. Draws come from one
``numpy.random.default_rng(seed)`` in a fixed order, so a seed gives the same frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qseg.errors import BadInputError

ARCHETYPES = ("high-value loyal", "bulk low-frequency", "recent low spender", "at-risk lapsed")
ARCHETYPE_SHARES = (0.15, 0.20, 0.35, 0.30)

# Per archetype, in ARCHETYPES order: days since the last purchase (uniform low..high), Poisson
# means of extra invoices and extra lines per invoice, price paid / list price.
PROFILES = {
    "recency": np.array([[0, 20], [10, 120], [0, 30], [150, 365]]),
    "extra_invoices": np.array([14.0, 1.2, 0.3, 1.0]),
    "extra_lines": np.array([6.0, 9.0, 3.0, 4.0]),
    "price_factor": np.array([1.0, 0.8, 1.0, 1.0]),
}
APPETITE_SIGMA, INVOICE_SHAPE = 0.6, 2.0
PACK_SIZES = np.array([24, 48, 72, 96, 144, 288])
FIRST_DAY = pd.Timestamp("2010-12-01")
DAYS = 374  # 1 Dec 2010 .. 9 Dec 2011, the data set's span
FIRST_INVOICE = 536365
FIRST_CUSTOMER = 12346
PRODUCTS = 3000
COUNTRIES = ("United Kingdom", "Germany", "France", "EIRE", "Spain", "Netherlands", "Belgium", "Portugal")
COUNTRY_SHARES = (0.89, 0.025, 0.025, 0.02, 0.01, 0.01, 0.01, 0.01)

# Non-product lines: code, description, list price, share of invoices carrying one.
NON_PRODUCTS = (
    ("POST", "POSTAGE", 18.0, 0.06),
    ("M", "Manual", 2.55, 0.006),
    ("D", "Discount", 5.0, 0.003),
    ("DOT", "DOTCOM POSTAGE", 120.0, 0.003),
    ("BANK CHARGES", "Bank Charges", 15.0, 0.002),
)
# Shares of clean lines copied as bad rows, and of clean lines that lose their description.
CANCELLED, GUEST, ZERO_QUANTITY, ZERO_PRICE, NO_DESCRIPTION = 0.02, 0.12, 0.004, 0.004, 0.01

_COLOURS = np.array(["RED", "WHITE", "PINK", "BLUE", "GREEN", "IVORY", "BLACK", "VINTAGE", "PAPER", "GLASS"], dtype=object)
_MOTIFS = np.array(["RETROSPOT", "HEART", "CAFÉ", "SPOTTY", "REGENCY", "CRÈME", "BIRD", "STAR", "FLORAL", "PARIS",
                    "CHRISTMAS", "BAROQUE"], dtype=object)
_ITEMS = np.array(["MUG", "T-LIGHT HOLDER", "LUNCH BAG", "CAKE STAND", "BUNTING", "NAPKINS", "JAM JAR", "TEA SET",
                   "DOORMAT", "LANTERN", "PHOTO FRAME", "PURSE", "CUSHION COVER", "CANDLE", "CLOCK"], dtype=object)


def synthetic_transactions(customers: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Return (rows in the Online Retail layout, each customer's archetype index as an int64
    Series named ``archetype`` indexed by CustomerID text), drawn as the module docstring says."""
    if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)) or customers < 1:
        raise BadInputError("customers", customers, "must be an integer >= 1")
    rng = np.random.default_rng(seed)
    n = int(customers)
    codes, descriptions, list_price, popularity = _catalogue(rng)

    archetype = rng.choice(len(ARCHETYPES), size=n, p=ARCHETYPE_SHARES)
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_SHARES)
    low, high = PROFILES["recency"][archetype].T
    last_day = DAYS - 1 - rng.integers(low, high + 1)
    first_day = _first_day(rng, archetype, last_day)
    # A customer's appetite scales its lines and items, and its invoices vary more than Poisson
    # (a Gamma-mixed Poisson): the heavy tails within a behaviour that real customer bases show.
    appetite = rng.lognormal(0.0, APPETITE_SIGMA, size=n)
    invoices = 1 + rng.poisson(PROFILES["extra_invoices"][archetype] * rng.gamma(INVOICE_SHAPE, 1 / INVOICE_SHAPE, n))

    # Invoices: each customer's first one on its last day, the others uniform over its active days.
    owner = np.repeat(np.arange(n), invoices)
    first_of_owner = np.r_[0, np.cumsum(invoices)[:-1]]
    is_last = np.arange(owner.size) == first_of_owner[owner]
    day = np.where(is_last, last_day[owner], rng.integers(first_day[owner], last_day[owner] + 1))
    minute = day * 1440 + rng.integers(8 * 60, 20 * 60, size=owner.size)
    order = np.argsort(minute, kind="stable")
    number = np.empty(owner.size, dtype=np.int64)
    number[order] = FIRST_INVOICE + np.arange(owner.size)

    # Lines of each invoice.
    lines = 1 + rng.poisson(PROFILES["extra_lines"][archetype[owner]] * appetite[owner])
    invoice = np.repeat(np.arange(owner.size), lines)
    kind = archetype[owner[invoice]]
    product = rng.choice(PRODUCTS, size=invoice.size, p=popularity)
    quantity = np.maximum(1, np.round(_quantities(rng, kind) * np.sqrt(appetite[owner[invoice]]))).astype(np.int64)
    price = np.round(list_price[product] * PROFILES["price_factor"][kind], 2)
    clean = _Rows(number[invoice], np.zeros(invoice.size, bool), minute[invoice], product, quantity, price,
                  owner[invoice].astype(float), country[owner[invoice]])

    parts = [clean, _cancellations(rng, clean), _guests(rng, clean, n)]
    for share, field in ((ZERO_QUANTITY, "quantity"), (ZERO_PRICE, "price")):
        parts.append(_non_positive(rng, clean, share, field))
    parts.append(_non_products(rng, number, minute, owner.astype(float), country[owner]))
    rows = _Rows.concat(parts)
    missing_description = np.zeros(len(rows.number), bool)
    missing_description[: clean.number.size] = rng.random(clean.number.size) < NO_DESCRIPTION
    frame = rows.frame(codes, descriptions, missing_description)
    truth = pd.Series(archetype.astype(np.int64), index=(FIRST_CUSTOMER + np.arange(n)).astype(str), name="archetype")
    truth.index.name = "CustomerID"
    return frame, truth


class _Rows:
    """Columns of generated lines as arrays; ``customer`` is the customer's position (NaN: guest)
    and ``product`` indexes the catalogue, the non-product codes following the products."""

    def __init__(self, number: np.ndarray, cancelled: np.ndarray, minute: np.ndarray, product: np.ndarray,
                 quantity: np.ndarray, price: np.ndarray, customer: np.ndarray, country: np.ndarray) -> None:
        self.number, self.cancelled, self.minute, self.product = number, cancelled, minute, product
        self.quantity, self.price, self.customer, self.country = quantity, price, customer, country

    def take(self, rows: np.ndarray) -> _Rows:
        """Return a copy of the lines at positions ``rows``."""
        return _Rows(*(np.array(column[rows]) for column in self.columns()))

    def columns(self) -> tuple[np.ndarray, ...]:
        """Return the columns in constructor order."""
        return (self.number, self.cancelled, self.minute, self.product, self.quantity, self.price, self.customer,
                self.country)

    @classmethod
    def concat(cls, parts: list[_Rows]) -> _Rows:
        """Return the lines of ``parts`` one after another."""
        return cls(*(np.concatenate(columns) for columns in zip(*(part.columns() for part in parts))))

    def frame(self, codes: np.ndarray, descriptions: np.ndarray, no_description: np.ndarray) -> pd.DataFrame:
        """Return the lines in time order as the CSV holds them, the marked lines without description."""
        key = self.number * 2 + self.cancelled  # an invoice and its cancellation differ
        order = np.argsort(self.minute * (int(key.max()) + 1) + key, kind="stable")
        keys, which = np.unique(key[order], return_inverse=True)
        invoice_text = np.where(keys % 2 == 1, "C", "").astype(object) + (keys // 2).astype(str).astype(object)
        minutes, when = np.unique(self.minute[order], return_inverse=True)
        description = descriptions[self.product[order]]
        description[no_description[order]] = np.nan
        customer = self.customer[order]
        return pd.DataFrame({
            "InvoiceNo": invoice_text[which],
            "StockCode": codes[self.product[order]],
            "Description": description,
            "Quantity": self.quantity[order].astype(np.int64),
            "InvoiceDate": _date_text(minutes)[when],
            "UnitPrice": self.price[order],
            "CustomerID": np.where(np.isnan(customer), np.nan, customer + FIRST_CUSTOMER),
            "Country": np.asarray(COUNTRIES, dtype=object)[self.country[order]],
        })


def _catalogue(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return stock codes, descriptions and list prices (products, then the non-product codes)
    and the products' popularity (a Zipf-like share, shuffled over the codes)."""
    base = rng.choice(np.arange(10002, 90000), size=PRODUCTS, replace=False)
    suffix = np.where(rng.random(PRODUCTS) < 0.15, rng.choice(np.array(list("ABCDEFGHKLMNPRSW"), dtype=object), PRODUCTS), "")
    codes = np.concatenate([base.astype(str).astype(object) + suffix, [c for c, *_ in NON_PRODUCTS]]).astype(object)
    words = (_COLOURS[rng.integers(0, _COLOURS.size, PRODUCTS)] + " " + _MOTIFS[rng.integers(0, _MOTIFS.size, PRODUCTS)]
             + " " + _ITEMS[rng.integers(0, _ITEMS.size, PRODUCTS)])
    descriptions = np.concatenate([words, [d for _, d, *_ in NON_PRODUCTS]]).astype(object)
    prices = np.round(np.clip(rng.lognormal(np.log(2.5), 0.8, PRODUCTS), 0.1, 60.0), 2)
    list_price = np.concatenate([prices, [p for *_, p, _ in NON_PRODUCTS]])
    weight = 1.0 / (np.arange(PRODUCTS) + 10.0) ** 0.9
    popularity = rng.permutation(weight / weight.sum())
    return codes, descriptions, list_price, popularity


def _first_day(rng: np.random.Generator, archetype: np.ndarray, last_day: np.ndarray) -> np.ndarray:
    """Return each customer's first active day: loyal customers from the first two months, recent
    ones within 25 days before their last purchase, the others any day before it."""
    anywhere = rng.integers(0, last_day + 1)
    early = np.minimum(rng.integers(0, 60, size=archetype.size), last_day)
    recent = np.maximum(last_day - rng.integers(0, 26, size=archetype.size), 0)
    return np.select([archetype == 0, archetype == 2], [early, recent], anywhere)


def _quantities(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Return the items of each line for its customer's archetype (all four drawn, one kept, so
    the draw order does not depend on the mix)."""
    loyal = 1 + rng.poisson(11.0, kind.size)
    bulk = rng.choice(PACK_SIZES, kind.size)
    recent = 1 + rng.poisson(1.5, kind.size)
    lapsed = 1 + rng.poisson(4.0, kind.size)
    return np.choose(kind, [loyal, bulk, recent, lapsed]).astype(np.int64)


def _cancellations(rng: np.random.Generator, clean: _Rows) -> _Rows:
    rows = clean.take(np.flatnonzero(rng.random(clean.number.size) < CANCELLED))
    rows.cancelled[:] = True
    rows.quantity = -rows.quantity
    rows.minute = np.minimum(rows.minute + rng.integers(30, 1440, rows.number.size), DAYS * 1440 - 1)
    return rows


def _guests(rng: np.random.Generator, clean: _Rows, customers: int) -> _Rows:
    """Return copies of some lines bought by guests: no customer, invoices of their own."""
    rows = clean.take(np.flatnonzero(rng.random(clean.number.size) < GUEST))
    rows.customer = np.full(rows.number.size, np.nan)
    rows.number = rows.number + 10 ** (len(str(FIRST_INVOICE + 40 * customers)))
    return rows


def _non_positive(rng: np.random.Generator, clean: _Rows, share: float, field: str) -> _Rows:
    """Return copies of some lines with quantity (or price) 0 or negative."""
    rows = clean.take(np.flatnonzero(rng.random(clean.number.size) < share))
    sign = np.where(rng.random(rows.number.size) < 0.5, 0, -1)
    setattr(rows, field, getattr(rows, field) * sign)
    return rows


def _non_products(rng: np.random.Generator, number: np.ndarray, minute: np.ndarray, owner: np.ndarray,
                  country: np.ndarray) -> _Rows:
    """Return one non-product line on a share of the invoices, per non-product code."""
    parts = []
    for offset, (_, _, list_price, share) in enumerate(NON_PRODUCTS):
        on = np.flatnonzero(rng.random(number.size) < share)
        price = np.round(list_price * rng.uniform(0.5, 2.0, on.size), 2)
        parts.append(_Rows(number[on], np.zeros(on.size, bool), minute[on], np.full(on.size, PRODUCTS + offset),
                           rng.integers(1, 4, on.size), price, owner[on], country[on]))
    return _Rows.concat(parts)


def _date_text(minutes: np.ndarray) -> np.ndarray:
    """Return the minutes since ``FIRST_DAY`` written as the data set does: ``12/1/2010 8:26``."""
    days = FIRST_DAY + pd.to_timedelta(np.arange(DAYS), unit="D")
    day_text = np.asarray(days.strftime("%m/%d/%Y").str.replace(r"^0|(?<=/)0", "", regex=True), dtype=object)
    clock = np.arange(1440)
    clock_text = (clock // 60).astype(str).astype(object) + ":" + np.char.zfill((clock % 60).astype(str), 2).astype(object)
    text: np.ndarray = day_text[minutes // 1440] + " " + clock_text[minutes % 1440]
    return text
