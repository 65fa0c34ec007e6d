"""The words that mark names in each language newsrooms write: data, read by entities.py and gazetteer.py.

English wire copy marks a person with a title ("Prime Minister"), a lower-case role ("Kremlin
chief") or a reporting verb ("said"). German writes roles as capitalised compounds
("Außenminister", "Bundestrainer", "SPD-Chef"), so a title there is also any word with a title's
ending; French, Spanish, Italian, Dutch and Portuguese write titles in lower case before the name
("le ministre", "el presidente"). A word list per language, and a cheap guess of the text's
language from its commonest words, choose which apply (`words_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.kernels.text_scan import WordSet


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _capitalised_too(text: str) -> frozenset[str]:
    """The words, and each capitalised as it opens a sentence."""
    return frozenset(w for word in text.split() for w in (word, word.capitalize()))


@dataclass(frozen=True, slots=True)
class LanguageWords:
    """What marks a name in one language's prose."""

    code: str  # ISO 639-1
    titles: frozenset[str]  # capitalised titles inside a run: the name follows the last one
    title_endings: tuple[str, ...]  # lower-case endings of compound titles: "außenminister", "bundestrainer"
    roles: frozenset[str]  # lower-case roles right before a name: "chief", "ministre", "presidente"
    verbs: frozenset[str]  # reporting verbs next to a name
    not_names: frozenset[str]  # capitalised words that open a sentence or follow a title, not names
    determiners: frozenset[str]  # lower-case words before a common noun: "das Essen" names no city
    org_endings: tuple[str, ...]  # lower-case endings of one-word institutions: "bundesverfassungsgericht"
    acronyms_are_organizations: bool  # an unknown all-caps word ("SPD", "ORF") names an organization
    lone_name_after_verb: bool  # "sagte Merkel": a single capitalised word after a reporting verb is a person
    # Finite verbs after which a single capitalised word opening a sentence is a person ("Schulte
    # bestätigte"), where a common noun would need an article; empty where that does not hold.
    subject_verbs: frozenset[str] = frozenset()
    lone_given_names: bool = False  # a first name common where the language is spoken is a person alone ("Peter")


_EN_TITLES = (
    "President President-elect Minister Secretary Chancellor Exchequer Governor Senator Sen. Sen Rep. Rep "
    "Representative Chairman Chairwoman Chief Executive Spokesman Spokeswoman Mr. Mr Mrs. Mrs Ms. Ms Dr. Dr "
    "King Queen Prince Princess Pope General Gen. Gen Judge Justice Mayor Ambassador Director Premier Leader "
    "Commissioner Commander Colonel Col. Captain Capt. Professor Prof. Bishop Cardinal Sheikh Emir Sultan "
    "Speaker Treasurer Lord Lady Sir Gov. Lt."
)
_EN_NOT_NAMES = (
    "The This That These Those A An In At On For But And Or If As By To Of It He She They We I You His Her "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December Today Yesterday Tomorrow Later Earlier "
    "Meanwhile However Also Then Now When While After Before Since Although Though Yet So Still Instead "
    "Finally Separately Last Next Both Some Many Most Other Such All Each Several Under Over Despite Among "
    "From With Without Within Officials Analysts Traders Sources Asked Speaking"
)
_EN_ROLES = (
    "chief chairman chairwoman president spokesman spokeswoman spokesperson director analyst economist "
    "minister secretary governor leader premier ambassador commissioner executive founder head trader "
    "strategist dealer official counsel lawyer attorney"
)
_EN_VERBS = "said says told added replied stated declared explained noted warned insisted argued"

ENGLISH = LanguageWords(
    code="en",
    titles=_words(_EN_TITLES),
    title_endings=(),
    roles=_words(_EN_ROLES),
    verbs=_words(_EN_VERBS),
    not_names=_words(_EN_NOT_NAMES),
    determiners=frozenset(),
    org_endings=(),
    acronyms_are_organizations=False,
    lone_name_after_verb=False,
)

GERMAN = LanguageWords(
    code="de",
    titles=_words(
        _EN_TITLES + " Bundeskanzler Bundeskanzlerin Kanzler Kanzlerin Präsident Präsidentin Ministerpräsident "
        "Ministerpräsidentin Minister Ministerin Bundespräsident Bundespräsidentin Bundesrat Bundesrätin Herr Frau "
        "Papst König Königin Prinz Prinzessin Fürst Fürstin Graf Gräfin Kardinal Bischof Bischöfin Pfarrer "
        "Pfarrerin Professor Professorin Prof. Dr. Trainer Trainerin Sprecher Sprecherin Chef Chefin Direktor "
        "Direktorin Bürgermeister Bürgermeisterin Oberbürgermeister Oberbürgermeisterin Landrat Landrätin "
        "Senator Senatorin Richter Richterin Anwalt Anwältin Kommissar Kommissarin Botschafter Botschafterin "
        "General Generalsekretär Generalsekretärin Vorsitzende Vorsitzender Kapitän Regisseur Regisseurin "
        "Sänger Sängerin Schauspieler Schauspielerin Autor Autorin Stürmer Torwart Spieler Spielerin Manager "
        "Managerin Leiter Leiterin Experte Expertin Ökonom Ökonomin Analyst Analystin Abgeordnete Abgeordneter "
        "Sankt St."
    ),
    title_endings=tuple(
        "minister ministerin präsident präsidentin kanzler kanzlerin trainer trainerin chef chefin sprecher "
        "sprecherin vorsitzende vorsitzender direktor direktorin bürgermeister bürgermeisterin sekretär "
        "sekretärin abgeordnete abgeordneter senator senatorin richter richterin anwalt anwältin kommissar "
        "kommissarin botschafter botschafterin spieler spielerin stürmer torwart kapitän regisseur regisseurin "
        "sänger sängerin schauspieler schauspielerin autor autorin manager managerin leiter leiterin experte "
        "expertin ökonom ökonomin analyst analystin wissenschaftler wissenschaftlerin forscher forscherin "
        "politiker politikerin rat rätin meister meisterin bischof pfarrer vorstand moderator moderatorin "
        "komponist komponistin künstler künstlerin dirigent dirigentin journalist journalistin fahrer fahrerin "
        "profi star legende gründer gründerin inhaber inhaberin pilot pilotin".split()
    ),
    roles=frozenset(),
    verbs=_words(
        _EN_VERBS + " sagte sagt sagten erklärte erklärt betonte betont meinte meint berichtete berichtet "
        "kündigte teilte sprach warnte warnt forderte fordert kritisierte kritisiert räumte bestätigte "
        "bestätigt schrieb schreibt fügte ergänzte ergänzt erläuterte erläutert klagt klagte so "
        "bemerkte behauptet behauptete versichert versicherte"
    ),
    not_names=_words(
        _EN_NOT_NAMES + " Der Die Das Den Dem Des Ein Eine Einen Einem Einer Eines Am Im Vom Zum Zur Beim Ins "
        "Auf Aus Bei Mit Nach Von Vor Für Über Unter Gegen Ohne Um Wie Was Wer Wo Wenn Als Ob Weil Dass Doch "
        "Aber Und Oder Denn Auch Noch Nur Schon So Dann Da Hier Dort Heute Gestern Morgen Nun Jetzt Mehr "
        "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonnabend Sonntag Januar Jänner Februar März Mai "
        "Juni Juli Oktober Dezember Er Sie Es Wir Ihr Ich Man Sein Seine Ihre Dies Diese Dieser Dieses Jeder "
        "Alle Viele Einige Beide Andere Deutsche Deutschen Euro Prozent Millionen Milliarden Jahr Jahre Jahren "
        "Ende Anfang Mitte Woche Wochen Tag Tage Tagen Uhr Herr Frau "
        # Adverbs that open a sentence before its verb ("Danach sagte er")
        "Danach Dabei Dazu Daneben Dafür Damit Darum Deshalb Deswegen Daher Dennoch Trotzdem Zudem Außerdem "
        "Ebenso Eigentlich Zunächst Neuerdings Seither Schließlich Später Früher Bisher Bislang Inzwischen "
        "Mittlerweile Jedoch Allerdings Immerhin Vielleicht Natürlich Offenbar Offensichtlich Angeblich "
        "Tatsächlich Bereits Erst Gleichzeitig Anschließend Zuvor Zuletzt Sonst Sogar Selbst Insgesamt Hierzu "
        "Damals Nachdem Ähnliches Derzeit Zurzeit Zumindest Vor Allem Ebenfalls Besonders Wichtig Klar "
        "Kürzlich Nächste Letzte Neben Seit Während Weiter Weitere Hinzu Grund Ziel Fazit Ergebnis Folge"
    ),
    determiners=_capitalised_too(
        "der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner im am "
        "vom zum zur beim ins ans aufs einige einigen manche manchen viele vielen mehrere diese dieses "
        "dieser diesem diesen jede jeder jedes jedem jeden alle allen beide beiden sein seine seinem seinen "
        "seiner ihr ihre ihrem ihren ihrer unser unsere"
    ),
    org_endings=tuple(
        "gericht verband partei gewerkschaft konzern sparkasse stiftung institut universität hochschule "
        "kriminalamt agentur verein vereinigung".split()
    ),
    acronyms_are_organizations=True,
    lone_name_after_verb=True,
    subject_verbs=_words(
        "sagte sagt erklärte erklärt betonte betont meinte meint kündigte teilte sprach warnte warnt forderte "
        "fordert kritisierte kritisiert bestätigte bestätigt schrieb schreibt räumte lobte lobt hatte hat "
        "wollte will sollte soll konnte kann musste muss sieht sah kommt kam gilt galt"
    ),
    lone_given_names=True,
)

_ROMANCE_NOT_NAMES = (
    "Le La Les Un Une Des Du Au Aux Ce Cette Ces Il Elle Ils Elles Et Mais Ou Dans Pour Sur Avec Selon Lundi Mardi "
    "Mercredi Jeudi Vendredi Samedi Dimanche Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre "
    "Novembre Décembre El Los Las Una Unos Y Pero En Por Para Con Según Lunes Martes Miércoles Jueves Viernes "
    "Sábado Domingo Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre "
    "Lo Gli Uno Ma Per Con Secondo Lunedì Martedì Mercoledì Giovedì Venerdì Sabato Domenica Gennaio Febbraio "
    "Marzo Aprile Maggio Giugno Luglio Agosto Settembre Ottobre Novembre Dicembre Het Een De Maar Voor Met "
    "Volgens Maandag Dinsdag Woensdag Donderdag Vrijdag Zaterdag Zondag Januari Februari Maart April Mei Juni "
    "Juli Augustus Oktober O Os As Um Uma Mas Em Com Segundo Segunda Terça Quarta Quinta Sexta Sábado "
    "Janeiro Fevereiro Março Maio Junho Julho Setembro Outubro Novembro Dezembro"
)


def _romance(code: str, titles: str, roles: str, verbs: str, determiners: str) -> LanguageWords:
    """Languages that write titles and roles in lower case before a name ("le ministre Jean Dupont")."""
    return LanguageWords(
        code=code,
        titles=_words(_EN_TITLES + " " + titles),
        title_endings=(),
        roles=_words(roles),
        verbs=_words(_EN_VERBS + " " + verbs),
        not_names=_words(_EN_NOT_NAMES + " " + _ROMANCE_NOT_NAMES),
        determiners=_capitalised_too(determiners),
        org_endings=(),
        acronyms_are_organizations=True,
        lone_name_after_verb=False,
    )


FRENCH = _romance(
    "fr",
    "M. Mme Mlle",
    "président présidente ministre premier directeur directrice secrétaire maire député "
    "députée sénateur chef patron patronne général juge avocat avocate entraîneur joueur",
    "déclaré affirme affirmé indiqué explique expliqué ajoute ajouté souligne souligné estime estimé "
    "annonce annoncé selon dit",
    "le la les un une des du au aux ce cette ces son sa ses quelques plusieurs",
)
SPANISH = _romance(
    "es",
    "Sr. Sra. Don Doña",
    "presidente presidenta ministro ministra portavoz director directora secretario secretaria alcalde "
    "alcaldesa diputado diputada senador jefe general juez abogado entrenador jugador",
    "dijo afirmó declaró explicó añadió señaló aseguró indicó según",
    "el la los las un una unos unas este esta estos estas su sus algunos algunas varios",
)
ITALIAN = _romance(
    "it",
    "Sig. Sig.ra On. Dott.",
    "presidente ministro ministra portavoce direttore direttrice segretario segretaria sindaco deputato "
    "senatore capo generale giudice avvocato allenatore giocatore premier",
    "detto dichiarato spiegato aggiunto affermato sottolineato secondo",
    "il lo la i gli le un uno una questo questa questi queste suo sua suoi alcuni alcune",
)
DUTCH = LanguageWords(
    code="nl",
    titles=_words(_EN_TITLES + " Dhr. Mevr. Minister Premier President Burgemeester"),
    title_endings=("minister", "voorzitter", "woordvoerder", "president", "burgemeester", "trainer", "directeur"),
    roles=_words("minister premier president voorzitter woordvoerder directeur burgemeester trainer"),
    verbs=_words(_EN_VERBS + " zei zegt verklaarde stelde aldus volgens"),
    not_names=_words(_EN_NOT_NAMES + " " + _ROMANCE_NOT_NAMES),
    determiners=_capitalised_too("de het een die dat deze dit zijn haar enkele sommige"),
    org_endings=(),
    acronyms_are_organizations=True,
    lone_name_after_verb=True,
)
PORTUGUESE = _romance(
    "pt",
    "Sr. Sra. Dom Dona",
    "presidente ministro ministra diretor diretora secretário secretária prefeito presidente "
    "deputado deputada senador chefe general juiz advogado treinador jogador",
    "disse afirmou declarou explicou acrescentou disse segundo",
    "o a os as um uma uns umas este esta estes estas seu sua seus suas alguns algumas",
)

LANGUAGES: dict[str, LanguageWords] = {
    w.code: w for w in (ENGLISH, GERMAN, FRENCH, SPANISH, ITALIAN, DUTCH, PORTUGUESE)
}

# The commonest function words that belong to one language only ("le" is French, "el" Spanish): a
# text's language is the one most of them in its first 600 characters belong to, English when none
# stands out.
_MARKERS = {
    "en": "the and of to was for that with from are has have been which",
    "de": "der die das und ist nicht mit sich auch dem des ein eine wird wurde sind zu auf bei nach im für "
    "hat sagte wie vor aus noch nur einen einem einer auch werden soll ich nichts wir uns sehr schon wenn "
    "dass doch immer wieder gegen habe hatte war kein keine oder aber",
    "fr": "le les et est une dans pour qui pas sur au aux du ont cette",
    "es": "el los las y una por con del se su al fue está entre año",
    "it": "il della che gli per sono nel alla dei delle ha anche più",
    "nl": "het een van en niet zijn voor ook op te dat werd heeft naar dit deze wordt worden bij maar hij zij "
    "geen nog uit tot",
    "pt": "os não com dos em ao foi pelo pela das uma seu ano anos também mais eles elas muito",
}
_LANGUAGE_OF: dict[str, str] = {}
for _code, _text in _MARKERS.items():
    for _word in _text.split():
        _LANGUAGE_OF[_word] = "" if _word in _LANGUAGE_OF and _LANGUAGE_OF[_word] != _code else _code
_LANGUAGE_OF = {word: code for word, code in _LANGUAGE_OF.items() if code}
_MARKER_WORDS = WordSet(word for word in _LANGUAGE_OF if len(word) >= 2 and word[:2].isascii())


def guess_language(text: str) -> str:
    """ISO 639-1 code of the language `text` is most likely in, among those above (English by default).

    A cheap guess for choosing word lists, made before the language model runs on the whole batch.
    """
    sample = text[:600]
    if " the " in sample and not any(word in sample for word in _NOT_ENGLISH):
        return "en"  # most wire copy, decided by a few substring tests instead of the scan below
    counts = dict.fromkeys(_MARKERS, 0)
    for start, end in _MARKER_WORDS.find_spans(sample):
        if not start or not sample[start - 1].isalnum():  # a whole word ("the", not "bathe")
            counts[_LANGUAGE_OF[sample[start:end]]] += 1
    best = max(counts, key=counts.__getitem__)
    if counts[best] == 0 and not sample.isascii():
        # A line too short for function words: the letters only one language writes ("ß", "ã").
        for code, letters in _LETTERS.items():
            if any(letter in sample for letter in letters):
                return code
    return best if counts[best] > counts["en"] else "en"


# Words of other languages, one of which in a text with "the" calls for the scan.
_NOT_ENGLISH = (" und ", " der ", " le ", " les ", " el ", " los ", " il ", " della ", " het ", " een ", " não ")
_LETTERS = {"de": "ßäöü„", "pt": "ãõ", "es": "ñ¿¡", "fr": "çèêœ«", "it": "ìò", "nl": "ĳ"}


# Capitalised words that never name a person alone, though they follow a title ("General Motors",
# "Premier League", "General Election"): fragments of organizations and events.
NOT_PERSON_WORDS = frozenset(
    "Motors Motor League Election Elections Electric Dynamics Mills Foods Assembly Accounting Insurance "
    "Airlines Petroleum Oil Steel Chemical Chemicals Energy Services Systems Communications Pharmaceuticals "
    "Financial Capital Investment Investments Resources Products Properties Mining Manufacturing Accident "
    "Agreement Conference Council Court Staff Hospital Atomics Instruments Mail Express Post Awards Award Magic "
    "Open Cup Festival Festspiele Network News Volksbank".split()
)

# All-caps words of two to six letters that name no organization in the languages whose acronyms
# otherwise do ("SPD", "ORF"): units, media, events, legal forms, historic states.
NOT_ORGANIZATION_ACRONYMS = frozenset(
    "TV PC CD DVD EM WM NS AG KG SE GMBH OHG EV UKW SMS PS KW CO II III IV VI VII VIII IX XI XII USA UK DDR "
    "BRD EU UN OK MP ID PR AIDS HIV SARS WLAN DSL GPS PDF MP3 CEO CFO IT BIP PKW LKW ICE ABC VIP FAQ OSZE "
    "USB LED KO TOP NEU NEW CHF EUR USD GBP JPY DAX EKG POS WELT GB SW NSX BT".split()
)
