"""Language subtags the validator accepts (a subset of the IANA registry, BCP 47 / RFC 5646).

Ralph validates tags with `langcodes`, which knows the whole registry; `langcodes` is only a test
dependency here, so the tool ships the subtags teacher-training data actually uses: every ISO 639-1
two-letter language, a few three-letter Chinese varieties and special codes, every region and the
common scripts. A tag outside this subset is rejected (stricter than Ralph, never looser:
tests/xapi/test_patterns.py checks every entry against `langcodes`). Generated from langcodes'
registry data (CLDR 40); regenerate rather than hand-edit.
"""

LANGUAGES = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el
    en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik in io is it
    iu iw ja ji jv jw ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mo
    mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh
    si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu cmn yue wuu hak nan gan hsn cjy lzh und mul zxx mis fil haw ast ckb
    """.split()
)

REGIONS = frozenset(
    """
    AA AC AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BU
    BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CP CR CS CU CV CW CX CY CZ DD DE DG DJ DK DM DO DZ EA EC EE EG
    EH ER ES ET EU EZ FI FJ FK FM FO FR FX GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
    HU IC ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV
    LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NT NU NZ
    OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA QM QN QO QP QQ QR QS QT QU QV QW QX QY QZ RE RO RS RU RW SA SB
    SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SU SV SX SY SZ TA TC TD TF TG TH TJ TK TL TM TN TO TP TR TT TV TW
    TZ UA UG UM UN US UY UZ VA VC VE VG VI VN VU WF WS XA XB XC XD XE XF XG XH XI XJ XK XL XM XN XO XP XQ XR XS XT
    XU XV XW XX XY XZ YD YE YT YU ZA ZM ZR ZW ZZ 001 002 003 005 009 011 013 014 015 017 018 019 021 029 030 034
    035 039 053 054 057 061 142 143 145 150 151 154 155 202 419
    """.split()
)

SCRIPTS = frozenset("Hans Hant Latn Cyrl Arab Tibt Mong Yiii Jpan Kore Hang Hira Kana Deva Grek Hebr Thai".split())
