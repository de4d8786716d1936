"""Safety net: Danish crisis expressions, medical red flags and medical questions in typed text.

Pure Python. Layer 2 of crisis detection (docs/SAFETY.md): every typed message is checked here
whatever intent the engine predicted, because a classifier misses what it has not seen. It errs
on the side of flagging: a negated crisis topic ("jeg har ikke tænkt på at tage mit liv") is
still flagged; only curated idioms ("dødtræt", "det slår mig ihjel at vente", "dør af grin"),
fear of dying from the illness ("bange for at dø af kræften") and wishes about where or how to
die ("jeg vil gerne dø hjemme") are set aside. Red flags honour a negation just before the
symptom ("ingen feber"). Never log the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.questionnaire.normalize import normalize


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_NEG = r"(?:ikke|ik|ikk|ike|aldrig|ingen)"
_GAP = r"(?!(?:ikke|ik|ikk|ike|aldrig|af|lide)\b)\w+"  # a gap word that is no negation
_DIE = r"(?:dø|do|doe|døø)"
_LIVE = r"(?:leve|lve|lev|levve|lefe)"
_TAKE = r"(?:tage|tager|tog|taget|ta|tag|tar)"
_PILLS = r"(?:\w*piller\w*|\w*tablet\w*|sovepille\w*|medicin\w*|morfin\w*)"
_JEG = r"(?:\w+ ){0,4}?jeg (?:\w+ ){0,2}?"
_WISH = (
    r"vil|ville|vill|gerne|bare|hellere|helst|lyst til at|lyst at|ønsker at|ønske at|ønskede at|"
    r"tænker på at|tænkt på at|tænkte på at|overvejer at|overvejet at|længes efter at|"
    r"klar til at|parat til at|trang til at|burde|lov til at|lov at|lad mig|lade mig|lige så godt"
)
_MEALS = (
    r"(?! (?:om (?:morgenen|aftenen|natten)|til (?:morgenmad|aftensmad)|med (?:mad|maden|vand)))"
)
_WHERE_HOW = (
    r"af|hjemme|hjem|i mit|i eget|på hospice|på hospitalet|på sygehuset|uden smerter|"
    r"med (?:værdighed|mine|min|familien|ro)"
)

# Crisis expressions (regex over normalised, spelling-corrected text, idioms removed). Those in
# _SUBJECT count only when their subject is "jeg" or left out: "jeg vil slå mig ihjel" is a
# crisis, "det slår mig ihjel at vente" and "kræften tager mit liv" are not.
_CRISIS: dict[str, str] = {
    "suicide": r"\bselvmord\w*|\bselvmorder\w*|\bsuicid\w*|\bdødsønske\w*|\bdødstanke\w*",
    "own_life": rf"\b{_TAKE} (?:\w+ )?(?:mit|mi|sit|dit|min) (?:eget|egen) liv\b|\blivet af (?:mig selv|sig)\b",
    "kill_self": r"\b(?:slå|slår|slog|dræbe|dræber|dræbte|myrde|ombringe|skyde|skyder|hænge|hænger|drukne|forgifte|gasse|kvæle|gøre det af med) mig selv\b",
    "not_live": rf"\b{_NEG} (?:{_GAP} ){{0,2}}?(?:at )?{_LIVE}\b(?! (?:uden|af|op|sundt|normalt|som|et normalt)\b)",
    "nothing_to_live_for": rf"\b(?:intet|ingenting|meningsløst|ingen mening) (?:\w+ ){{0,2}}?(?:at )?{_LIVE}\b",
    "life_worthless": r"\blivet (?:\w+ ){0,2}?(?:ikke|intet|ingenting) (?:\w+ )?værd\b|\b(?:ingen|ikke|uden) (?:\w+ ){0,2}?mening med (?:livet|det hele)\b|\blivet (?:er|føles) (?:\w+ )?meningsløst\b",
    "tired_of_life": rf"træt af (?:at {_LIVE}|livet)\b|\blivstræt\w*|\b(?:orker|gider|magter) (?:ikke|ik) (?:\w+ )?livet\b|\bop på livet\b|\bopgive\w* livet\b",
    "wish_to_die": rf"\b(?:{_WISH})(?: {_GAP}){{0,2}}? {_DIE}\b(?! (?:{_WHERE_HOW})\b)",
    "wish_dead": rf"\b(?:gid|ønske|ønsker|ønskede|hellere|helst|bedre|bare|gerne|vil|lige så godt)(?: {_GAP}){{0,3}}? (?:var|være|blev|mig) (?:død|dod)\b|\b(?:gid|ønske|ønsker|bedre|lettest|lettere|nemmest|nemmere) {_JEG}(?:døde|{_DIE})\b",
    "better_without_me": rf"\bbedre (?:\w+ ){{0,3}}?uden mig\b|\b(?:bedre|bedst|lettere|nemmere|lettest|nemmest) (?:stillet |af |for \w+ )?(?:hvis|om|når|at) {_JEG}(?:var væk|er væk|forsvandt|ikke (?:\w+ )?(?:(?:var|er) (?:her|til|mere|længere|i live)|levede|lever|fandtes|eksisterede))\b",
    "not_be_here": rf"\b{_NEG} (?:{_GAP} ){{0,2}}?(?:at )?være (?:her|mere her|længere her|i live)\b(?! (?:på|i) (?:hospitalet|sygehuset|afdelingen|stuen|hospice|venteværelset)\b)|\b{_NEG} (?:{_GAP} ){{0,3}}?(?:at )?være til(?: mere| længere| mer)?(?: |$)(?!(?:besvær|stede|nytte|rådighed|at|for|det)\b)|\b(?:ikke|holde op med at|stoppe med at) (?:\w+ ){{0,2}}?eksistere\b",
    "not_wake_up": r"\b(?:håber|gid|ønske|ønsker|ønskede|bare|vil|ville|lyst til at) (?:\w+ ){0,3}?(?:ikke|aldrig|ik) (?:\w+ )?(?:vågne|vågner|vågnede|var vågnet|var født|blev født)\b|\b(?:ikke|aldrig) (?:\w+ )?(?:vågne|vågner|vågnede) (?:op )?(?:igen|mere|nogensinde)\b",
    "end_it": r"\bgøre (?:en )?ende på (?:det|alt|alting|mit liv|livet|mig|lidelserne)\b|\b(?:ende|ender|afslutte|afslutter|slutte|stoppe|stopper) (?:det hele|mit liv|livet)\b",
    "self_harm": r"\b(?:skade|skader|skadet|skadede|skæmme) (?:på )?mig selv\b|\bselvskad\w*|\bcutte\w*|\bcutting\b|\b(?:skære|skærer|skar|skåret|snitte|snitter|ridse|ridser|brænde|brænder) (?:\w+ )?i mig selv\b|\b(?:skære|skærer|skar|skåret) (?:mig )?i (?:\w+ )?(?:arm|arme|armen|armene|håndled\w*|pulsåre\w*|lår|lårene|ben|benene|hud|huden)\b|\bgø(?:re|r) mig selv (?:noget|fortræd|ondt|skade)\b|\b(?:slå|slår|slået|slog|brænde|brænder|brændt) mig selv\b",
    "means": (
        rf"\boverdos\w*|\b(?:samle|samler|samlet|samlede|hamstre\w*|spare|sparer|sparet|gemme|gemmer|gemt) (?:\w+ ){{0,3}}?{_PILLS} (?:\w+ )?(?:sammen|op)\b"
        rf"|\b(?:samle\w*|hamstre\w*|gemt) (?:nok|alle|mange|en masse|en bunke) (?:\w+ )?{_PILLS}"
        rf"|\b(?:alle|hele) (?:\w+ ){{0,2}}?{_PILLS} (?:\w+ ){{0,3}}?(?:på en gang|på én gang|på engang|samtidig|i en omgang|og så er det slut|for at dø)\b{_MEALS}"
        rf"|\b(?:lyst til at|lyst at|vil|ville|tænker på at|tænkt på at|tænkte på at|overvejer at|overvejet at|fristet til at) (?:bare )?{_TAKE} (?:\w+ )?(?:alle|hele) (?:\w+ ){{0,2}}?{_PILLS}"
        rf"|\b(?:{_TAKE}|sluge|sluger|slugt) (?:\w+ )?hele (?:glasset|pakken|æsken|bøtten)\b"
        r"|\bhænge mig\b(?! (?:i|op|fast|ud)\b)|\bskyde mig\b|\breb om halsen\b"
        r"|\b(?:springe|springer|sprang|hoppe|hopper|kaste|kaster|smide|køre|kører|gå|går|lægge|lægger|træde|træder|stille|stiller) (?:\w+ ){0,3}?foran (?:et |en |den |det )?(?:tog|toget|bil|bilen|lastbil|lastbilen|bus|bussen)\b"
        r"|\b(?:springe|springer|sprang|hoppe|hopper|kaste mig|kaster mig|smide mig) (?:\w+ )?(?:ud |ned )?(?:fra|af|over) (?:\w+ )?(?:altanen|broen|bro|taget|vinduet|højhuset|klippen)\b"
        r"|\bkøre\w* (?:\w+ ){0,3}?galt med vilje\b|\bmed vilje (?:\w+ ){0,2}?køre\w* galt\b"
        r"|\bafskedsbrev\w*|\bfarvelbrev\w*|\bfarvel (?:\w+ ){0,3}?for altid\b"
    ),
    "no_way_out": r"\b(?:ingen|eneste|nogen) (?:anden )?udvej\b|\b(?:ingen|nogen) (?:anden )?vej ud\b(?! af)",
    "kill_me": r"\b(?:slå|slår|slog) mig (?:\w+ )?ihjel\b|\b(?:dræbe|dræber|dræbte|kvæle) mig\b|\b(?:tage|tager|tog|ta) livet af mig\b|\bgøre det af med mig\b",
    "take_my_life": rf"\b{_TAKE} (?:mit|mi) liv\b(?! (?:tilbage|i egne|i egen|op)\b)",
    "disappear": rf"\b(?:forsvinde|forsvinder) (?:for altid|helt|fra jorden|fra det hele)\b|\b(?:{_WISH})(?: \w+){{0,2}}? forsvinde\b|\b(?:forsvinde|forsvinder)$|\bvil (?:\w+ )?forsvinde\b",
    "no_reason_to_live": rf"\b{_NEG} (?:\w+ ){{0,3}}?(?:grund|lyst|kræfter|mod|energi|overskud) til at (?:\w+ ){{0,3}}?{_LIVE}\b|\b(?:mistet|miste|mister|ingen|ikke) (?:\w+ )?(?:lysten|modet|viljen|gejsten) til (?:at )?(?:{_LIVE}|livet)\b|\bhvorfor (?:\w+ ){{0,3}}?{_LIVE}\b|\bmeningen med (?:at {_LIVE}|livet)\b|\blivet (?:\w+ ){{0,2}}?(?:ingen|ikke) (?:nogen )?mening\b|\bslippe for (?:at {_LIVE}|livet)\b",
    "thoughts_of_dying": rf"\btanke\w* om at (?:\w+ ){{0,2}}?{_DIE}\b(?! (?:{_WHERE_HOW})\b)|\b(?:beder til|håber på|håber|gid|ønsker|ønske) (?:at )?(?:jeg )?(?:{_GAP} )?(?:dør|døde)\b(?! af\b)|\b(?:gid|ønske|ønsker|ønskede) (?:at )?jeg (?:\w+ )?(?:ikke|aldrig) (?:\w+ )?(?:levede|lever|fandtes|eksisterede|var her|var til)\b|\bså (?:at )?jeg (?:kan )?(?:dør|dø)\b|\bfor at (?:kunne )?{_DIE}\b|\b(?:lige meget|ligemeget|ligegyldigt|ligeglad) (?:\w+ ){{0,3}}?(?:om|hvis) jeg (?:\w+ )?(?:lever|dør|er her|vågner)\b|\bikke vågne\w*(?: \w+){{0,3}}? (?:er det|så er det|det er) (?:fint|ok|okay|lige meget|ligemeget|godt)\b|\bden dag jeg ikke (?:kan|orker) mere\b|\b{_NEG} (?:er|var) her (?:mere|længere)\b",
    "for_ever": r"\b(?:stoppe|stopper|slutte|slutter|ende|ender|sove|sove ind|hvile|væk) for (?:altid|evigt)\b|\bvæk (?:\w+ ){0,4}?for (?:altid|evigt)\b",
    "harm_intent": rf"\b(?:{_WISH}) (?:\w+ )?(?:skære|snitte|ridse|brænde|skade|drukne|hænge|skyde|forgifte|gasse|kvæle) mig\b(?! (?:i|op|fast|ud|over|en|et|noget|ned)\b)|\b(?:ridse|ridser|ridset|ridsede|skære|skærer|skar|skåret|snittet|brændt|brændte) mig selv\b|\bgøre (?:\w+ ){{0,2}}?(?:mod|ved) mig selv\b",
    "means_intent": rf"\b(?:{_WISH}) (?:\w+ )?(?:springe|hoppe|kaste mig)\b(?!(?: \w+){{0,3}} over\b| (?:det|dette|spørgsmålet|næste|frem|rundt|op|på|ind|af)\b)|\b(?:{_WISH}) (?:\w+ )?(?:køre|kører) (?:\w+ ){{0,2}}?(?:ind i|galt|ud foran|af vejen|ud i (?:havnen|vandet|havet|søen|fjorden)|over kanten)\b|\b{_TAKE} (?:\w+ ){{0,2}}?(?:alle|hele|allesammen)(?: sammen)? (?:\w+ ){{0,2}}?på (?:en|én) ?gang\b{_MEALS}|\b(?:gemt|gemmer|gemme|samlet|samler|sparet|sparer) (?:\w+ ){{0,2}}?{_PILLS}(?: \w+){{0,4}}? til (?:den dag|en dag|når|hvis)\b",
    "indirect_plans": rf"\b(?:noget|intet) imod (?:at|hvis|om) (?:\w+ ){{0,3}}?(?:{_DIE}|døde|dør)\b|\b(?:sluge|sluger|slugte|slugt|{_TAKE}) (?:dem|det|den) (?:alle|allesammen|alle sammen)\b|\b(?:sluge|sluger|slugte|slugt) (?:\w+ )?(?:alle|hele) \w+|\b(?:hvad|hvem) (?:\w+ ){{0,3}}?{_LIVE} for\b|\b{_NEG}\b(?: \w+){{0,5}}? værd at {_LIVE}\b|\b(?:lyst til at|trang til at|tænkt på at|tænker på at|overvejer at|overvejet at) (?:stoppe|slutte|ende|afslutte) det hele\b|\bfærdig med (?:livet|at {_LIVE})\b|\b(?:{_WISH}) (?:\w+ )?{_TAKE} (?:\w+ )?(?:en masse|mange|en bunke|en håndfuld|rigtig mange) {_PILLS}",
    "indirect_means": rf"\b{_TAKE} sit liv\b|\b(?:fundet|købt|gemt|har) (?:\w+ )?reb\b|\breb (?:om|til) (?:halsen|loftet|bjælken)\b|\b\w+ mig selv ihjel\b|\b(?:orker|gider|magter|vil) (?:ikke|ik) (?:at )?vågne\b|\b(?:{_WISH}) (?:\w+ )?sove ind\b|\b(?:gid|håber|ønske|ønsker) (?:\w+ ){{0,3}}?(?:ville|vil|kunne|måtte) tage mig\b(?! (?:med|ind|op|alvorligt|imod|af)\b)|\b(?:livet|mit liv) er (?:\w+ )?(?:slut|forbi|ovre) for mig\b|\bmit liv er (?:slut|forbi|ovre)\b",
    "rhetorical_and_deliberate": rf"\b(?:pointen|meningen|formålet|grunden) (?:med|til) at {_LIVE}\b|\b(?:hvorfor|ikke|orker|gider) (?:\w+ ){{0,4}}?blive ved med at {_LIVE}\b|\b(?:ingen|hvem) (?:\w+ )?(?:ville|vil) savne mig\b|\bhvor mange (?:\w+ )?{_PILLS} (?:\w+ ){{0,3}}?(?:skal til|for at {_DIE})\b|\b(?:{_WISH}) (?:\w+ )?gå ud i (?:vandet|havet|søen|fjorden)\b|\b(?:opgive|opgiver|opgivet|opgav) (?:at {_LIVE}|livet)\b|\btænk\w* (?:\w+ )?(?:på|om) at (?:\w+ )?{_DIE}\b(?! (?:{_WHERE_HOW})\b)|\b(?:slå|slået|slog|skære|skar|skåret|brænde|brændt|brændte|skade|skadet) (?:\w+ ){{0,5}}?med vilje\b|\bså det (?:hele )?(?:slutter|er slut|er forbi|stopper)\b|\b(?:bedre|hellere) (?:\w+ )?død\b|\bbruge (?:en |et )?(?:kniven|kniv|barberblad\w*|rebet|reb|pistol\w*|våben\w*) på mig selv\b|{_PILLS}\b(?: \w+){{0,6}}? {_TAKE} (?:det hele|dem alle|dem allesammen|hele bunken)\b(?! med ro)",
    "wishes_and_sleep": rf"\b(?:ønsker|ønske|ønskede|længes|lyst|trang|klar|parat)\b(?: {_GAP}){{0,2}}? (?:til |efter )?at (?:{_GAP} )?{_DIE}\b(?! (?:{_WHERE_HOW})\b)|\b(?:sove|søvn|sover|sove ind)\b(?: \w+){{0,3}}? (?:og )?(?:aldrig|ikke) (?:mere )?(?:vågne|vågner|vågnede)\b(?! (?:om|før|ved|af|tidligt|hele|i løbet)\b)",
    "english": r"\b(?:kill|killing|hurt|hurting|harm|harming) my ?self\b|\b(?:want|wanna) (?:to )?die\b|\bend my life\b|\bdon t want to live\b",
}
_SUBJECT = {"kill_me": False, "take_my_life": False, "disappear": True}  # True: "jeg" needed
_OTHER_SUBJECTS = frozenset(
    _words(
        "det den de dette disse han hun du man vi kemoen kemo kræften kræft sygdommen behandlingen "
        "smerterne smerten ventetiden ventetid kvalmen strålerne medicinen skemaet spørgsmålene "
        "arbejdet stressen kedsomheden varmen lægen lægerne håret"
    )
)
_CONJUNCTIONS = frozenset(_words("og men eller så"))  # "jeg er ... og burde bare forsvinde"
_PREPOSITIONS = frozenset(_words("på om over med i til af for ved fra"))  # "tænkt på det"
_AUX = frozenset(
    _words("vil ville skal skulle kan kunne burde bør må har havde er var kommer får fik")
)
# Idioms and fear of dying, removed before the crisis expressions are looked for.
_IDIOMS = re.compile(
    r"\bdød(?:træt|syg|ssyg|kede|sens|irriter|frisk|lækker|sej|sjov|god|stille|bange|ked)\w*"
    rf"|\b(?:dø|dør|døde|døet|død) af (?:grin\w*|kedsomhed|sult|tørst|nysgerrighed|varme|kulde|skam|længsel|spænding|træthed|kræft\w*|cancer\w*|sygdommen|det|den)\b"
    rf"|\b(?:bange|angst|angstfuld|frygter|frygt|nervøs|bekymret|rædselsslagen|skrækslagen|skræmt|ræd|rolig|afklaret|forberedt|forsonet)\b(?: {_GAP}){{0,5}}? (?:{_DIE}|dør|døden|døde|død)\b"
    r"|\btanke\w* om at (?:skulle )?dø (?:skræmmer|gør mig|er (?:skræmmende|svær|uhyggelig|frygtelig))"
    r"|\b(?:ikke|ingen|aldrig) (?:\w+ )?(?:klar|parat|lyst|trang) til at (?:\w+ )?dø\b"
    r"|\b(?:mener (?:du|i) |menes (?:der )?|betyder (?:det )?)med (?:at |det )?(?:\w+ ){0,6}?(?:død|dø|skade (?:på )?sig selv)\b"
    r"|\bkeder mig ihjel\b|\bskyde mig selv i foden\b|\bslå\w* mig selv (?:oven )?i hovedet\b"
)
# Red flags, looked for clause by clause; a negation up to 3 words before one cancels it.
_INTENSE = r"(?:stærk|voldsom|ulidelig|uudholdelig|ekstrem|forfærdelig|frygtelig|vanvittig|sindssyg|enorm|kraftig|slem|vild|værst)\w*"
_INTENSE_ADV = r"(?:frygtelig|forfærdelig|ulidelig|uudholdelig|vanvittig|sindssyg|afsindig|utrolig)t?|ekstremt|sygt|voldsomt|enormt|vildt|hamrende|skide|mega|hyper"
_VOMIT = r"\b(?:kaster|kastet|kaste|kastede) (?:\w+ ){0,3}?op\b|\b(?:brækker|brækket|brække|brækkede) mig\b|\bopkast\w*|\bdiarr\w*|\btynd mave\b"
_OFTEN = r"(?:hele tiden|konstant\w*|hele dagen|hele natten|hele døgnet|igen og igen|hver time|hver halve time|non stop|nonstop|uafbrudt\w*|flere gange|mange gange|\d+ gange|(?:tre|fire|fem|seks|syv|otte|ni|ti|tyve) gange)\b"
_RED_FLAGS: dict[str, str] = {
    "fever": r"\bfeber(?!fri)\w*|\bfebril\w*|\bhøj temp\w*|\bkulderystelse\w*|\b(?:over|mere end) 3[89](?:d\d)?\b(?! år)|\b(?:3[89]|4[0-2])(?:d\d)? ?(?:grader|grad|gr)\b|\b(?:3[89]|4[0-2])d\d\b|\btemp\w* (?:\w+ ){0,3}?(?:3[89]|4[0-2])\b",
    "bleeding": r"\bbløder\b|\bblødning\w*|\bblødte\b|\bhar blødt\b|\bblodig\w*|\bblod (?:i(?! (?:går|morgen|dag|aftes|weekenden)\b)|fra|når|ud)\b|\b(?:hoster|hostet|kaster|kastet) (?:\w+ )?blod\b|\bnæseblod\w*|\bsort afføring\b",
    "breathing": r"\b(?:kan|kunne) (?:ikke|ik|næsten ikke|dårligt) (?:\w+ )?(?:trække vejret|få vejret|få luft|ånde)\b|\b(?:svært|problemer|besvær) (?:\w+ )?(?:ved|med) at (?:trække vejret|få vejret|få luft|ånde)\b|\båndenød\w*|\bstakåndet\w*|\bkortåndet\w*|\bmangler luft\b|\bluftmangel\b|\bbrystsmerte\w*|\bondt i brystet\b|\btrykken (?:for|i) brystet\b",
    "severe_pain": rf"\b{_INTENSE} (?:\w+ )?(?:smerte(?!stillende)\w*|ondt)\b|\b(?:{_INTENSE_ADV}) ondt\b|\b(?:pisse|møg|skide|hamrende|mega)ondt\b|\bså ondt at\b|\bsmerte\w* (?:\w+ ){{0,2}}?(?:ulidelig\w*|uudholdelig\w*|ikke til at holde ud|ikke til at bære)|\bikke (?:\w+ )?holde (?:\w+ ){{0,2}}?smert\w* ud\b|\bsmertestillende (?:\w+ ){{0,2}}?(?:virker|hjælper) ikke\b|\b(?:smerte\w*|ondt) (?:\w+ ){{0,3}}?(?:8|9|10|otte|ni|ti) (?:ud )?af 10\b|\b(?:smerte\w*|ondt) på (?:8|9|10|otte|ni|ti)\b",
    "vomiting": rf"(?:{_VOMIT})(?: \w+){{0,4}}? {_OFTEN}|\b{_OFTEN} (?:\w+ ){{0,4}}?(?:{_VOMIT})|\bkan (?:ikke|ik) (?:\w+ )?holde (?:noget|vand|mad|maden|væske|drikke) (?:\w+ )?(?:i mig|nede|i maven)\b",
    "other": r"\bbesvime\w*|\bbesvimet\b|\bkrampeanfald\w*|\blammet\b|\blammelse\w*|\bkan ikke mærke (?:\w+ )?(?:ben|benene|arme|armene)\b",
}
_RED_NEGATIONS = frozenset({"ikke", "ik", "ikk", "ingen", "intet", "aldrig", "uden", "ingenting"})
_MEDICAL_WORDS = re.compile(
    r"\b(?:pille\w*|piler|tablet\w*|medicin\w*|dosis|doser|smertestillende|morfin\w*|panodil|"
    r"ibuprofen|kemo\w*|stråle\w*|behandling\w*|bivirkning\w*|blodprøve\w*|blodtal\w*|"
    r"prøvesvar\w*|prøverne|leverprøve\w*|scanning\w*|ct|mr|pet|psa|operation\w*|opereres|"
    r"kræft\w*|svulst\w*|tumor\w*|knude\w*|metastase\w*|spredt|normalt|nomalt|farligt|rask|"
    r"vaccine\w*|vaccineret|symptom\w*|feber|smerte\w*|kvalme\w*)\b"
)
_QUESTION_START = re.compile(
    r"^(?:skal|ska|må|bør|kan (?:jeg|man|det|du)|er det|betyder|hvad|hvorfor|hvornår|hvordan|hvilke|hvilken|hvor)\b"
)
_ABOUT_THE_CHAT = re.compile(r"\b(?:spørger|spørgsmål\w*|skema\w*|svarene|mine svar|chat\w*)\b")

# Spelling tolerance: a word of 5+ letters that is not a known word (_KEEP) and is within one
# edit or swap of neighbours (two from 10 letters) of a key word with the same first letter is read as the key word.
# tests/dialogue/test_safety.py checks that no word of the Danish dictionary (hunspell-da) is
# corrected to another word except the harmless forms listed there.
_KEYWORDS = _words(
    "selvmord selvmordstanker selvmordstanke selvmordsforsøg overdosis afskedsbrev sovepiller "
    "sovepillerne ihjel livet livstræt meningsløst eksistere forsvinde feber blødning åndenød "
    "vejret kulderystelser temperatur temperaturen uudholdelige ulidelige"
)
_KEEP = frozenset(
    _words(
        "lever levet leder livets lived lavet lidet linet liset liver livret løvet livstruet "
        "livstråd fiber faber udholdelig udholdelige sovebriller vejre vejnet eksistens "
        "meningsløs forsvinden"
    )
)


def _fold(text: str) -> str:
    """Normalised text with common spelling variants folded (ae/aa, ä/ö, repeated letters)."""
    text = normalize(text).replace("ä", "æ").replace("ö", "ø")
    text = text.replace("ae", "æ").replace("aa", "å")
    text = re.sub(
        r"\b(vil|ville|har|kan|jeg)(bare|gerne|ikke|ik|helst|hellere|lyst)\b", r"\1 \2", text
    )
    return re.sub(r"(\w)\1{2,}", r"\1", text)


@lru_cache(maxsize=4096)
def _correct_word(word: str) -> str:
    if len(word) < 5 or word in _KEEP or word in _KEYWORDS or not word.isalpha():
        return word
    limit = 2 if len(word) >= 10 else 1
    for key in _KEYWORDS:
        if key[0] == word[0] and OSA.distance(word, key, score_cutoff=limit) <= limit:
            return key
    return word


def _prepare(text: str) -> str:
    return " ".join(_correct_word(w) for w in _fold(text).split())


@lru_cache(maxsize=1)
def _compiled() -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    crisis = {name: re.compile(rx) for name, rx in _CRISIS.items()}
    red = {name: re.compile(rx) for name, rx in _RED_FLAGS.items()}
    return crisis, red


def _subject_is_me(words: list[str], strict: bool) -> bool:
    """Whether the subject of the verb after ``words`` is "jeg" (or, unless strict, left out)."""
    words = words[-8:]
    for i in range(len(words) - 1, -1, -1):
        if words[i] == "jeg":
            return True
        if words[i] in _OTHER_SUBJECTS and (i == 0 or words[i - 1] not in _PREPOSITIONS):
            return False
        if words[i] in _AUX:  # the subject stands next to the finite verb: "det er ved at"
            near = {words[i - 1] if i else "", words[i + 1] if i + 1 < len(words) else ""}
            if "jeg" in near:
                return True
            if near & _OTHER_SUBJECTS:
                return False
            if i and words[i - 1] in _CONJUNCTIONS:
                continue
            return not strict or i == 0
    return not strict


def crisis_matches(text: str) -> list[str]:
    """Names of the crisis expressions found in ``text`` (empty if none). For tests and docs."""
    prepared = _IDIOMS.sub(" _ ", _prepare(text))
    found: list[str] = []
    for name, pattern in _compiled()[0].items():
        for match in pattern.finditer(prepared):
            if name not in _SUBJECT or _subject_is_me(
                prepared[: match.start()].split(), _SUBJECT[name]
            ):
                found.append(name)
                break
    return found


def is_crisis(text: str) -> bool:
    """Whether ``text`` expresses (or touches on) suicidal thoughts, self-harm or a wish to die."""
    return bool(crisis_matches(text))


def red_flag_matches(text: str) -> list[str]:
    """Names of the red flags (fever, bleeding, breathing, severe pain, ...) in ``text``."""
    lowered = re.sub(r"(\d)[,.](\d)", r"\1d\2", text.lower())
    found: list[str] = []
    for clause in re.split(r"[.!?;:\n]+|,|\bmen\b", lowered):
        prepared = _prepare(clause)
        for name, pattern in _compiled()[1].items():
            for match in pattern.finditer(prepared):
                before = prepared[: match.start()].split()[-3:]
                if name not in found and not _RED_NEGATIONS.intersection(before):
                    found.append(name)
    return found


def red_flag(text: str) -> bool:
    """Whether ``text`` mentions a symptom that needs the acute line, not a questionnaire."""
    return bool(red_flag_matches(text))


def is_medical_question(text: str) -> bool:
    """Whether ``text`` asks about medicine, results, symptoms or treatment (a backup for the
    ``medical_question`` intent; questions about the chat or the item are not)."""
    prepared = _prepare(text)
    asks = "?" in text or bool(_QUESTION_START.search(prepared))
    return (
        asks
        and bool(_MEDICAL_WORDS.search(prepared))
        and not _ABOUT_THE_CHAT.search(prepared)
        and not is_crisis(text)
    )
