// Lexicon tables of the EN->FR grammar. Long by nature: one row per lemma.

#include "data/enfrlexicon_p.h"

namespace alignscope::detail {
namespace {

constexpr unsigned A = Animate;
constexpr unsigned T = Thing;
constexpr unsigned P = Place;
constexpr unsigned S = Surface;
constexpr unsigned F = Food;
constexpr unsigned O = Openable;
constexpr unsigned R = Readable;
constexpr bool Fem = true;
constexpr bool Masc = false;

// English has no plural identical to its singular here ("sheep", "fish"):
// such a noun would make "the sheep ate" ambiguous between le/les.
constexpr Noun kNouns[] = {
    // people and animals
    {"cat", "cats", "chat", "chats", Masc, A},
    {"dog", "dogs", "chien", "chiens", Masc, A},
    {"man", "men", "homme", "hommes", Masc, A},
    {"woman", "women", "femme", "femmes", Fem, A},
    {"boy", "boys", "garçon", "garçons", Masc, A},
    {"girl", "girls", "fille", "filles", Fem, A},
    {"child", "children", "enfant", "enfants", Masc, A},
    {"bird", "birds", "oiseau", "oiseaux", Masc, A},
    {"horse", "horses", "cheval", "chevaux", Masc, A},
    {"mouse", "mice", "souris", "souris", Fem, A},
    {"teacher", "teachers", "professeur", "professeurs", Masc, A},
    {"student", "students", "étudiant", "étudiants", Masc, A},
    {"friend", "friends", "ami", "amis", Masc, A},
    {"doctor", "doctors", "médecin", "médecins", Masc, A},
    {"farmer", "farmers", "fermier", "fermiers", Masc, A},
    {"baker", "bakers", "boulanger", "boulangers", Masc, A},
    {"king", "kings", "roi", "rois", Masc, A},
    {"queen", "queens", "reine", "reines", Fem, A},
    {"cow", "cows", "vache", "vaches", Fem, A},
    {"lamb", "lambs", "agneau", "agneaux", Masc, A},
    {"rabbit", "rabbits", "lapin", "lapins", Masc, A},
    {"duck", "ducks", "canard", "canards", Masc, A},
    {"elephant", "elephants", "éléphant", "éléphants", Masc, A},
    {"lion", "lions", "lion", "lions", Masc, A},
    {"tiger", "tigers", "tigre", "tigres", Masc, A},
    {"bear", "bears", "ours", "ours", Masc, A},
    {"wolf", "wolves", "loup", "loups", Masc, A},
    {"fox", "foxes", "renard", "renards", Masc, A},
    {"monkey", "monkeys", "singe", "singes", Masc, A},
    {"pig", "pigs", "cochon", "cochons", Masc, A},
    {"goat", "goats", "chèvre", "chèvres", Fem, A},
    {"frog", "frogs", "grenouille", "grenouilles", Fem, A},
    {"snake", "snakes", "serpent", "serpents", Masc, A},
    {"neighbour", "neighbours", "voisin", "voisins", Masc, A},
    {"sister", "sisters", "sœur", "sœurs", Fem, A},
    {"brother", "brothers", "frère", "frères", Masc, A},
    {"baby", "babies", "bébé", "bébés", Masc, A},
    {"actor", "actors", "acteur", "acteurs", Masc, A},
    {"artist", "artists", "artiste", "artistes", Masc, A},
    // objects
    {"mat", "mats", "tapis", "tapis", Masc, T | S},
    {"book", "books", "livre", "livres", Masc, T | R | O},
    {"table", "tables", "table", "tables", Fem, T | S},
    {"chair", "chairs", "chaise", "chaises", Fem, T | S},
    {"ball", "balls", "balle", "balles", Fem, T},
    {"box", "boxes", "boîte", "boîtes", Fem, T | S | O},
    {"cup", "cups", "tasse", "tasses", Fem, T},
    {"bottle", "bottles", "bouteille", "bouteilles", Fem, T | O},
    {"door", "doors", "porte", "portes", Fem, T | O},
    {"window", "windows", "fenêtre", "fenêtres", Fem, T | O},
    {"bed", "beds", "lit", "lits", Masc, T | S},
    {"car", "cars", "voiture", "voitures", Fem, T | O},
    {"bike", "bikes", "vélo", "vélos", Masc, T},
    {"key", "keys", "clé", "clés", Fem, T},
    {"letter", "letters", "lettre", "lettres", Fem, T | R | O},
    {"hat", "hats", "chapeau", "chapeaux", Masc, T},
    {"shoe", "shoes", "chaussure", "chaussures", Fem, T},
    {"bag", "bags", "sac", "sacs", Masc, T | O},
    {"lamp", "lamps", "lampe", "lampes", Fem, T},
    {"clock", "clocks", "horloge", "horloges", Fem, T},
    {"picture", "pictures", "tableau", "tableaux", Masc, T},
    {"toy", "toys", "jouet", "jouets", Masc, T},
    {"sofa", "sofas", "canapé", "canapés", Masc, T | S},
    {"flower", "flowers", "fleur", "fleurs", Fem, T},
    {"stone", "stones", "pierre", "pierres", Fem, T | S},
    {"umbrella", "umbrellas", "parapluie", "parapluies", Masc, T | O},
    {"newspaper", "newspapers", "journal", "journaux", Masc, T | R},
    {"pen", "pens", "stylo", "stylos", Masc, T},
    {"plate", "plates", "assiette", "assiettes", Fem, T | S},
    {"glass", "glasses", "verre", "verres", Masc, T},
    {"coat", "coats", "manteau", "manteaux", Masc, T},
    {"boat", "boats", "bateau", "bateaux", Masc, T | S},
    {"tree", "trees", "arbre", "arbres", Masc, T},
    {"computer", "computers", "ordinateur", "ordinateurs", Masc, T},
    // food
    {"apple", "apples", "pomme", "pommes", Fem, F},
    {"bread", "breads", "pain", "pains", Masc, F},
    {"cake", "cakes", "gâteau", "gâteaux", Masc, F},
    {"egg", "eggs", "œuf", "œufs", Masc, F},
    {"orange", "oranges", "orange", "oranges", Fem, F},
    {"bone", "bones", "os", "os", Masc, F},
    {"carrot", "carrots", "carotte", "carottes", Fem, F},
    {"cheese", "cheeses", "fromage", "fromages", Masc, F},
    {"banana", "bananas", "banane", "bananes", Fem, F},
    {"pear", "pears", "poire", "poires", Fem, F},
    // places
    {"house", "houses", "maison", "maisons", Fem, P},
    {"garden", "gardens", "jardin", "jardins", Masc, P},
    {"park", "parks", "parc", "parcs", Masc, P},
    {"school", "schools", "école", "écoles", Fem, P},
    {"kitchen", "kitchens", "cuisine", "cuisines", Fem, P},
    {"room", "rooms", "chambre", "chambres", Fem, P},
    {"street", "streets", "rue", "rues", Fem, P},
    {"forest", "forests", "forêt", "forêts", Fem, P},
    {"river", "rivers", "rivière", "rivières", Fem, P},
    {"field", "fields", "champ", "champs", Masc, P},
    {"shop", "shops", "magasin", "magasins", Masc, P},
    {"church", "churches", "église", "églises", Fem, P},
    {"hotel", "hotels", "hôtel", "hôtels", Masc, P},
    {"hospital", "hospitals", "hôpital", "hôpitaux", Masc, P},
    {"station", "stations", "gare", "gares", Fem, P},
    {"library", "libraries", "bibliothèque", "bibliothèques", Fem, P},
    {"office", "offices", "bureau", "bureaux", Masc, P},
    {"beach", "beaches", "plage", "plages", Fem, P},
    {"city", "cities", "ville", "villes", Fem, P},
    {"village", "villages", "village", "villages", Masc, P},
    {"farm", "farms", "ferme", "fermes", Fem, P},
    {"lake", "lakes", "lac", "lacs", Masc, P},
    {"mountain", "mountains", "montagne", "montagnes", Fem, P},
};

constexpr bool Before = true;
constexpr bool After = false;
constexpr unsigned All = AnyKind;
constexpr unsigned Things = T | F | S | O | R;

constexpr Adjective kAdjectives[] = {
    // before the noun (BAGS adjectives), with their pre-vowel forms
    {"big", "grand", "grande", "grands", "grandes", Before, All, nullptr},
    {"small", "petit", "petite", "petits", "petites", Before, All, nullptr},
    {"old", "vieux", "vieille", "vieux", "vieilles", Before, All, "vieil"},
    {"young", "jeune", "jeune", "jeunes", "jeunes", Before, A, nullptr},
    {"good", "bon", "bonne", "bons", "bonnes", Before, All, nullptr},
    {"new", "nouveau", "nouvelle", "nouveaux", "nouvelles", Before, Things | P, "nouvel"},
    {"beautiful", "beau", "belle", "beaux", "belles", Before, All, "bel"},
    {"pretty", "joli", "jolie", "jolis", "jolies", Before, All, nullptr},
    {"bad", "mauvais", "mauvaise", "mauvais", "mauvaises", Before, All, nullptr},
    {"long", "long", "longue", "longs", "longues", Before, T | S | P, nullptr},
    // after the noun
    {"black", "noir", "noire", "noirs", "noires", After, All, nullptr},
    {"white", "blanc", "blanche", "blancs", "blanches", After, All, nullptr},
    {"red", "rouge", "rouge", "rouges", "rouges", After, All, nullptr},
    {"green", "vert", "verte", "verts", "vertes", After, All, nullptr},
    {"blue", "bleu", "bleue", "bleus", "bleues", After, All, nullptr},
    {"yellow", "jaune", "jaune", "jaunes", "jaunes", After, All, nullptr},
    {"grey", "gris", "grise", "gris", "grises", After, All, nullptr},
    {"brown", "brun", "brune", "bruns", "brunes", After, All, nullptr},
    {"happy", "heureux", "heureuse", "heureux", "heureuses", After, A, nullptr},
    {"sad", "triste", "triste", "tristes", "tristes", After, A, nullptr},
    {"tired", "fatigué", "fatiguée", "fatigués", "fatiguées", After, A, nullptr},
    {"hungry", "affamé", "affamée", "affamés", "affamées", After, A, nullptr},
    {"sick", "malade", "malade", "malades", "malades", After, A, nullptr},
    {"funny", "drôle", "drôle", "drôles", "drôles", After, A, nullptr},
    {"strong", "fort", "forte", "forts", "fortes", After, A, nullptr},
    {"slow", "lent", "lente", "lents", "lentes", After, A, nullptr},
    {"fast", "rapide", "rapide", "rapides", "rapides", After, A | T, nullptr},
    {"quiet", "calme", "calme", "calmes", "calmes", After, A | P, nullptr},
    {"wet", "mouillé", "mouillée", "mouillés", "mouillées", After, A | Things, nullptr},
    {"clean", "propre", "propre", "propres", "propres", After, Things | P, nullptr},
    {"dirty", "sale", "sale", "sales", "sales", After, Things | P, nullptr},
    {"round", "rond", "ronde", "ronds", "rondes", After, Things, nullptr},
    {"heavy", "lourd", "lourde", "lourds", "lourdes", After, Things, nullptr},
    {"hot", "chaud", "chaude", "chauds", "chaudes", After, Things, nullptr},
    {"cold", "froid", "froide", "froids", "froides", After, Things | P, nullptr},
    {"empty", "vide", "vide", "vides", "vides", After, T | O | P, nullptr},
    {"full", "plein", "pleine", "pleins", "pleines", After, T | O, nullptr},
};

// Index order must match PrepositionBit.
constexpr Preposition kPrepositions[] = {
    {"on", "sur", S},
    {"under", "sous", S},
    {"in", "dans", P | O},
    {"near", "près de", All},
    {"with", "avec", A | T | F},
    {"behind", "derrière", All},
    {"in front of", "devant", All},
    {"next to", "à côté de", All},
    {"to", "à", P},
    {"from", "de", P},
    {"at", "à", P},
};

constexpr Auxiliary Avoir = Auxiliary::Avoir;
constexpr Auxiliary Etre = Auxiliary::Etre;
constexpr unsigned Objects = T | F | S | O | R;
constexpr unsigned LocWith = PrepLocativeWith;

// English base forms equal to their past ("read", "put") are left out: with
// a plural subject "the cats read" would be ambiguous between tenses.
constexpr Verb kVerbs[] = {
    // transitive, avoir
    {"eat", "eats", "ate", nullptr, "mange", "mangent", "mangé", Avoir, false, F, LocWith},
    {"see", "sees", "saw", nullptr, "voit", "voient", "vu", Avoir, false, All, LocWith},
    {"look", "looks", "looked", "at", "regarde", "regardent", "regardé", Avoir, false, All, LocWith},
    {"look", "looks", "looked", "for", "cherche", "cherchent", "cherché", Avoir, false, A | Objects, LocWith},
    {"wait", "waits", "waited", "for", "attend", "attendent", "attendu", Avoir, false, A, LocWith},
    {"like", "likes", "liked", nullptr, "aime", "aiment", "aimé", Avoir, false, All, 0},
    {"love", "loves", "loved", nullptr, "adore", "adorent", "adoré", Avoir, false, All, 0},
    {"take", "takes", "took", nullptr, "prend", "prennent", "pris", Avoir, false, Objects, LocWith},
    {"find", "finds", "found", nullptr, "trouve", "trouvent", "trouvé", Avoir, false, A | Objects, LocWith},
    {"want", "wants", "wanted", nullptr, "veut", "veulent", "voulu", Avoir, false, Objects, 0},
    {"carry", "carries", "carried", nullptr, "porte", "portent", "porté", Avoir, false, Objects, LocWith},
    {"push", "pushes", "pushed", nullptr, "pousse", "poussent", "poussé", Avoir, false, A | T, LocWith},
    {"open", "opens", "opened", nullptr, "ouvre", "ouvrent", "ouvert", Avoir, false, O, LocWith},
    {"close", "closes", "closed", nullptr, "ferme", "ferment", "fermé", Avoir, false, O, LocWith},
    {"fill", "fills", "filled", nullptr, "remplit", "remplissent", "rempli", Avoir, false, O, LocWith},
    {"wash", "washes", "washed", nullptr, "lave", "lavent", "lavé", Avoir, false, A | Objects, LocWith},
    {"draw", "draws", "drew", nullptr, "dessine", "dessinent", "dessiné", Avoir, false, All, LocWith},
    {"paint", "paints", "painted", nullptr, "peint", "peignent", "peint", Avoir, false, T | P, LocWith},
    {"build", "builds", "built", nullptr, "construit", "construisent", "construit", Avoir, false, P, 0},
    {"write", "writes", "wrote", nullptr, "écrit", "écrivent", "écrit", Avoir, false, R, LocWith},
    {"buy", "buys", "bought", nullptr, "achète", "achètent", "acheté", Avoir, false, Objects, LocWith},
    {"sell", "sells", "sold", nullptr, "vend", "vendent", "vendu", Avoir, false, Objects | P, LocWith},
    {"follow", "follows", "followed", nullptr, "suit", "suivent", "suivi", Avoir, false, A, LocWith},
    {"hold", "holds", "held", nullptr, "tient", "tiennent", "tenu", Avoir, false, Objects, LocWith},
    {"catch", "catches", "caught", nullptr, "attrape", "attrapent", "attrapé", Avoir, false, A | T, LocWith},
    {"hear", "hears", "heard", nullptr, "entend", "entendent", "entendu", Avoir, false, A, LocWith},
    {"chase", "chases", "chased", nullptr, "chasse", "chassent", "chassé", Avoir, false, A, LocWith},
    {"break", "breaks", "broke", nullptr, "casse", "cassent", "cassé", Avoir, false, T, LocWith},
    {"clean", "cleans", "cleaned", nullptr, "nettoie", "nettoient", "nettoyé", Avoir, false, Objects | P, LocWith},
    {"throw", "throws", "threw", nullptr, "lance", "lancent", "lancé", Avoir, false, Objects, LocWith},
    {"bring", "brings", "brought", nullptr, "apporte", "apportent", "apporté", Avoir, false, Objects, LocWith},
    {"touch", "touches", "touched", nullptr, "touche", "touchent", "touché", Avoir, false, All, LocWith},
    {"visit", "visits", "visited", nullptr, "visite", "visitent", "visité", Avoir, false, P, 0},
    {"know", "knows", "knew", nullptr, "connaît", "connaissent", "connu", Avoir, false, A | P, 0},
    {"have", "has", "had", nullptr, "a", "ont", "eu", Avoir, false, A | Objects, 0},
    {"cook", "cooks", "cooked", nullptr, "cuisine", "cuisinent", "cuisiné", Avoir, false, F, LocWith},
    {"fix", "fixes", "fixed", nullptr, "répare", "réparent", "réparé", Avoir, false, T, LocWith},
    {"choose", "chooses", "chose", nullptr, "choisit", "choisissent", "choisi", Avoir, false, Objects, LocWith},
    // object introduced by "à" in French (à + le -> au)
    {"talk", "talks", "talked", "to", "parle", "parlent", "parlé", Avoir, false, A, LocWith, "à"},
    {"smile", "smiles", "smiled", "at", "sourit", "sourient", "souri", Avoir, false, A, LocWith, "à"},
    {"answer", "answers", "answered", nullptr, "répond", "répondent", "répondu", Avoir, false, A, LocWith, "à"},
    {"phone", "phones", "phoned", nullptr, "téléphone", "téléphonent", "téléphoné", Avoir, false, A, 0, "à"},
    {"listen", "listens", "listened", "to", "écoute", "écoutent", "écouté", Avoir, false, A, LocWith},
    // intransitive, avoir
    {"sleep", "sleeps", "slept", nullptr, "dort", "dorment", "dormi", Avoir, false, 0, LocWith},
    {"sing", "sings", "sang", nullptr, "chante", "chantent", "chanté", Avoir, false, 0, LocWith},
    {"dance", "dances", "danced", nullptr, "danse", "dansent", "dansé", Avoir, false, 0, LocWith},
    {"play", "plays", "played", nullptr, "joue", "jouent", "joué", Avoir, false, 0, LocWith},
    {"jump", "jumps", "jumped", nullptr, "saute", "sautent", "sauté", Avoir, false, 0, LocWith},
    {"run", "runs", "ran", nullptr, "court", "courent", "couru", Avoir, false, 0, LocWith},
    {"walk", "walks", "walked", nullptr, "marche", "marchent", "marché", Avoir, false, 0, LocWith},
    {"swim", "swims", "swam", nullptr, "nage", "nagent", "nagé", Avoir, false, 0, LocWith},
    {"work", "works", "worked", nullptr, "travaille", "travaillent", "travaillé", Avoir, false, 0, LocWith},
    {"cry", "cries", "cried", nullptr, "pleure", "pleurent", "pleuré", Avoir, false, 0, LocWith},
    {"laugh", "laughs", "laughed", nullptr, "rit", "rient", "ri", Avoir, false, 0, LocWith},
    // intransitive, être (participle agrees with the subject)
    {"go", "goes", "went", nullptr, "va", "vont", "allé", Etre, false, 0, PrepTo},
    {"come", "comes", "came", nullptr, "vient", "viennent", "venu", Etre, false, 0, PrepFrom},
    {"arrive", "arrives", "arrived", nullptr, "arrive", "arrivent", "arrivé", Etre, false, 0, PrepAt},
    {"fall", "falls", "fell", nullptr, "tombe", "tombent", "tombé", Etre, false, 0, PrepLocative},
    {"stay", "stays", "stayed", nullptr, "reste", "restent", "resté", Etre, false, 0, LocWith},
    {"leave", "leaves", "left", nullptr, "part", "partent", "parti", Etre, false, 0, PrepWith},
    // pronominal (être, "se"/"s'")
    {"sit", "sits", "sat", nullptr, "assoit", "assoient", "assis", Etre, true, 0, PrepLocative},
    {"hide", "hides", "hid", nullptr, "cache", "cachent", "caché", Etre, true, 0, PrepLocative},
    {"rest", "rests", "rested", nullptr, "repose", "reposent", "reposé", Etre, true, 0, PrepLocative},
    {"stop", "stops", "stopped", nullptr, "arrête", "arrêtent", "arrêté", Etre, true, 0,
     PrepNear | PrepBehind | PrepInFrontOf | PrepNextTo},
};

} // namespace

std::span<const Noun> enFrNouns() { return kNouns; }
std::span<const Adjective> enFrAdjectives() { return kAdjectives; }
std::span<const Verb> enFrVerbs() { return kVerbs; }
std::span<const Preposition> enFrPrepositions() { return kPrepositions; }

} // namespace alignscope::detail
