"""Words that say nothing about the topic, in every language visitors write.

They are dropped before matching so that "як / что / hoe / wat / how" never decide an answer; the IDF
weighting then takes care of the milder cases ("можна", "need").
"""

from __future__ import annotations

from hubdesk.engine.text import skeleton

_WORDS = """
що шо як чи це цей ця ці той та ті мені мене мій моя моє мої я ти ви він вона воно вони ми нам нас нами
вам вас їх його її їй йому і й та або а але бо що щоб якщо коли де куди звідки скільки який яка яке які
чому навіщо тут там вже ще теж також дуже просто от ось ну ж же б би би би є був була було були буде будуть
до від від з із зі у в на по про для за під над між після перед через без при біля собі себе свій своя свої
можна можу може можете можуть треба потрібно хочу хоче хочемо знаю знає будь ласка пожалуйста підкажіть
скажіть допоможіть привіт добрий день дякую питання запитання ніхто нічого щось хтось все всі всіх весь
что как это этот эта эти тот те мне меня мой моя мое мои ты вы он она оно они мы нам нас вам вас их его ее
и или но потому чтобы если когда где куда откуда сколько какой какая какое какие почему зачем уже еще
тоже также очень просто вот ну ли бы быть был была было были будет будут от из со к по про для за под над
между после перед через без при около себя свой своя свои можно могу может можете могут нужно надо хочу
хочет знаю подскажите скажите помогите здравствуйте спасибо вопрос никто ничего что-то кто-то все весь да нет
ik je jij u uw de het een en van is in op te dat die dit niet met voor mijn mij me mag moet moeten kan
kunnen hoe wat waar wie wanneer waarom welke heb hebt heeft hebben ben bent zijn was wil wilt willen graag
ook nog al bij naar om er maar of als dan geen wel we wij ze zij hij ons onze hun haar zo veel even iets
iemand alles hallo hoi goedemorgen dank bedankt alstublieft alsjeblieft vraag weet weten zou zouden
i you your the a an and of is in on to that this these those not with for my me may must can could how
what where who when why which have has had am are was were be been want would also still at from or if
then no yes we they he she us do does did get got it its there here any some please hello hi thanks
question know just so about ok much many get getting got take takes need needs anything something thing
things really very now today tomorrow yesterday
vraag vragen weet iets ook heel erg nu vandaag morgen gisteren toch even gewoon
вчора сьогодні завтра зараз дуже просто взагалі щось якось
вчера сегодня завтра сейчас вообще что-нибудь как-то
chy shcho shco scho yak jak meni mene ya ty vy vin vona vony my nam nas tse tsei tsia i y ta abo ale bo
shchob yakshcho koly de kudy skilky yakyi yaka yake yaki chomu tut tam vzhe shche tezh takozh duzhe
mozhna mozhu mozhe treba potribno khochu hochu do vid z iz u v na po pro dlia dlya za pislia pislya
chto kak eto mne menia menya mozhno nuzhno nado gde kogda skolko pryvit privet dobryi den dyakuyu diakuiu
spasibo pidkazhit pidkazhite pozhaluista
"""

STOP_KEYS: frozenset[str] = frozenset(skeleton(w) for w in _WORDS.split())
