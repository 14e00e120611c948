"""Card numbers never reach the database (P13, PCI DSS): free text is masked before it is saved.

A card number pasted into a support message, an order note, feedback or a survey answer would
otherwise sit in plain text in rows, backups and exports. Every service that stores text a
customer typed passes it through `mask_card_numbers` first and tells the customer when it masked
something (`MASKED_NOTICE`).

What counts as a card number: 13 to 19 digits, optionally in groups split by spaces, hyphens,
dots, commas, slashes, underscores or line breaks, that start like a card scheme's numbers
(Visa, Mastercard, American Express, Discover, JCB, Diners, UnionPay, Maestro) for that length
and pass the Luhn check, also when letters touch them ("card4111111111111111x"). What does
not: international phone numbers (after a "+", up to 15 digits), 15-digit IMEIs (which pass
Luhn too, but start with a phone maker's prefix rather than a card scheme's; nothing inside
one is taken for a shorter card either), UPS tracking numbers ("1Z" and 16 letters or digits),
our order and support references (groups of four), and runs of more than 19 digits without
separators.
"""

import re
from dataclasses import dataclass

MASK = "•••• •••• •••• "
MASKED_NOTICE = (
    "We hid what looked like a card number in your text. Please never send card details by "
    "message: card payments are taken only on our payment provider's secure page."
)

# Groups of digits joined by short runs of spaces, hyphens, dots or line breaks. Letters may
# touch a run: a card number typed against a word is still a card number.
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ \t\u00a0.,/_\-\r\n]{1,3}\d+)*(?!\d)")
# References whose digits could pass for a card's; copied as they are. UPS: "1Z", a six-character
# shipper number, then ten characters (digits when the shipper number is all digits).
_REFERENCE = re.compile(r"(?<![0-9A-Za-z])1Z[0-9A-Z]{16}(?![0-9A-Za-z])", re.IGNORECASE)
IMEI_DIGITS = 15
# After a "+" a run is an international phone number, which has at most 15 digits (E.164).
PHONE_MAX_DIGITS = 15
_GROUP = re.compile(r"\d+")

# (first digits from, to, lengths): the schemes' published number ranges.
_SCHEMES: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (4, 4, (13, 16, 19)),  # Visa (13 digits: older cards, still valid)
    (51, 55, (16,)),  # Mastercard
    (2221, 2720, (16,)),  # Mastercard 2-series
    (34, 34, (15,)),  # American Express
    (37, 37, (15,)),
    (6011, 6011, (16, 17, 18, 19)),  # Discover
    (644, 649, (16, 17, 18, 19)),
    (65, 65, (16, 17, 18, 19)),
    (3528, 3589, (16, 17, 18, 19)),  # JCB
    (300, 305, (14, 15, 16, 17, 18, 19)),  # Diners Club
    (36, 36, (14, 15, 16, 17, 18, 19)),
    (38, 39, (16, 17, 18, 19)),
    (62, 62, (16, 17, 18, 19)),  # UnionPay
    (50, 50, (16, 17, 18, 19)),  # Maestro
    (56, 58, (16, 17, 18, 19)),
    (67, 69, (16, 17, 18, 19)),
)
MIN_DIGITS, MAX_DIGITS = 13, 19


@dataclass(frozen=True)
class MaskedText:
    text: str
    masked: int  # how many card numbers were hidden

    @property
    def changed(self) -> bool:
        return self.masked > 0


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def looks_like_card(digits: str) -> bool:
    """Whether a string of digits has a scheme's prefix and length and passes Luhn."""
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return False
    for low, high, lengths in _SCHEMES:
        prefix = int(digits[: len(str(low))])
        if low <= prefix <= high and len(digits) in lengths:
            return luhn_valid(digits)
    return False


def _card_spans(
    run: re.Match[str], *, after_mask: bool, min_digits: int = MIN_DIGITS
) -> list[tuple[int, int]]:
    """Where card numbers sit inside one run of digit groups (positions in the whole text).

    A run can hold a card number and more ("4242 4242 4242 4242 123" with the security code), so
    every stretch of whole groups is tried, longest first from each group.

    A run right after MASK begins with the last four digits of a number already masked; they
    start no new card, or masking masked text would hide them again together with the digits
    that follow ("•••• •••• •••• 4242 424242424242" would lose "4242 424242424242").
    """
    groups = list(_GROUP.finditer(run.group()))
    offset = run.start()
    spans: list[tuple[int, int]] = []
    whole = "".join(group.group() for group in groups)
    if len(whole) == IMEI_DIGITS and luhn_valid(whole) and not looks_like_card(whole):
        return spans  # an IMEI however it is grouped: no shorter card inside it
    first = 1 if after_mask and len(groups[0].group()) == 4 else 0
    while first < len(groups):
        found = None
        digits = ""
        candidates = []
        for last in range(first, len(groups)):
            digits += groups[last].group()
            if len(digits) > MAX_DIGITS:
                break
            candidates.append((last, digits))
        for last, digits in reversed(candidates):
            # Only a number at the very start of the run follows the "+".
            if (first > 0 or len(digits) >= min_digits) and looks_like_card(digits):
                found = last
                break
        if found is None:
            first += 1
            continue
        spans.append((offset + groups[first].start(), offset + groups[found].end()))
        first = found + 1
    return spans


def mask_card_numbers(text: str) -> MaskedText:
    """The text with every card number replaced by dots and its last four digits."""
    if not text:
        return MaskedText(text, 0)
    pieces: list[str] = []
    position = 0
    masked = 0
    for reference in _REFERENCE.finditer(text):
        part = _mask_between_references(text[position : reference.start()])
        pieces += [part.text, reference.group()]
        masked += part.masked
        position = reference.end()
    if not pieces:
        return _mask_between_references(text)
    part = _mask_between_references(text[position:])
    pieces.append(part.text)
    masked += part.masked
    return MaskedText("".join(pieces), masked) if masked else MaskedText(text, 0)


def _mask_between_references(text: str) -> MaskedText:
    pieces: list[str] = []
    position = 0
    masked = 0
    for run in _DIGIT_RUN.finditer(text):
        after_plus = run.start() > 0 and text[run.start() - 1] == "+"
        for start, end in _card_spans(
            run,
            after_mask=text.endswith(MASK, 0, run.start()),
            min_digits=PHONE_MAX_DIGITS + 1 if after_plus else MIN_DIGITS,
        ):
            last_four = re.sub(r"\D", "", text[start:end])[-4:]
            pieces.append(text[position:start])
            pieces.append(MASK + last_four)
            position = end
            masked += 1
    if not masked:
        return MaskedText(text, 0)
    pieces.append(text[position:])
    return MaskedText("".join(pieces), masked)
