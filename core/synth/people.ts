// Synthetic people: Italian-looking names, birth dates and places, residences weighted by
// population, family doctors (GPs), phones and addresses. All pure functions of a seed.
import {
  allMunicipalities,
  municipalitiesOf,
  type Municipality,
} from '../../contracts/territory.ts';
import { fiscalCode, fiscalCodeVariant } from './fiscal-code.ts';
import { Rng, WeightedPicker, mix32 } from './random.ts';

export const SURNAMES: readonly string[] = [
  'ROSSI',
  'RUSSO',
  'FERRARI',
  'ESPOSITO',
  'BIANCHI',
  'ROMANO',
  'COLOMBO',
  'RICCI',
  'MARINO',
  'GRECO',
  'BRUNO',
  'GALLO',
  'CONTI',
  'DE LUCA',
  'MANCINI',
  'COSTA',
  'GIORDANO',
  'RIZZO',
  'LOMBARDI',
  'MORETTI',
  'BARBIERI',
  'FONTANA',
  'SANTORO',
  'MARIANI',
  'RINALDI',
  'CARUSO',
  'FERRARA',
  'GALLI',
  'MARTINI',
  'LEONE',
  'LONGO',
  'GENTILE',
  'MARTINELLI',
  'VITALE',
  'LOMBARDO',
  'SERRA',
  'COPPOLA',
  'DE SANTIS',
  "D'ANGELO",
  'MARCHETTI',
  'PARISI',
  'VILLA',
  'CONTE',
  'FERRO',
  'FABBRI',
  'BIANCO',
  'MARINI',
  'GRASSO',
  'VALENTINI',
  'MESSINA',
  'SALA',
  'DE ANGELIS',
  'GATTI',
  'PELLEGRINI',
  'PALUMBO',
  'SANNA',
  'FARINA',
  'RIZZI',
  'MONTI',
  'CATTANEO',
  'MORELLI',
  'AMATO',
  'SILVESTRI',
  'MAZZA',
  'TESTA',
  'GRASSI',
  'PELLEGRINO',
  'CARBONE',
  'GIULIANI',
  'BENEDETTI',
  'BARONE',
  'ROSSETTI',
  'CAPUTO',
  'MONTANARI',
  'GUERRA',
  'PALMIERI',
  'BERNARDI',
  'MARTINO',
  'FIORE',
  'DE ROSA',
  'FERRI',
  'LUCCHESE',
  'ZANETTI',
  'ZAMBONI',
  'ZANINI',
  'BONOMI',
  'TOSI',
  'ZANONI',
  'BERTOLDI',
  'FACCIOLI',
  'GIRELLI',
  'MENEGHINI',
  'PERBELLINI',
  'ZENATTI',
  'SCAPINI',
  'ADAMI',
  'AVESANI',
  'BONFANTE',
  'CASTELLANI',
  'DALLA VALLE',
  'DAL BEN',
  'DE MARCHI',
  'FRACCAROLI',
  'GUGOLE',
  'LONARDI',
  'MARCHI',
  'MENINI',
  'OLIVIERI',
  'PASETTO',
  'PERETTI',
  'RESIDORI',
  'SAMBUGARO',
  'TOMMASI',
  'VENTURINI',
  'ZAGO',
  'ZANOTTO',
  'ZORZI',
  "DALL'ORA",
  'BRUGNOLI',
  'CAMPAGNARI',
  'DUSI',
  'FASOLI',
  'GASPARINI',
  'MAGAGNA',
  'NICOLIS',
  'OTTOLINI',
  'POIESI',
  'QUINTARELLI',
  'RIGHETTI',
  'SPERI',
  'TEDESCHI',
  'UGOLINI',
  'VESENTINI',
  'XOCCATO',
  'YAN',
  'POPESCU',
  'HU',
  'SINGH',
  'EL AMRANI',
  'HOXHA',
];

export const MALE_NAMES: readonly string[] = [
  'FRANCESCO',
  'ALESSANDRO',
  'ANDREA',
  'LORENZO',
  'MATTEO',
  'MATTIA',
  'GABRIELE',
  'LEONARDO',
  'RICCARDO',
  'DAVIDE',
  'TOMMASO',
  'GIUSEPPE',
  'MARCO',
  'LUCA',
  'FEDERICO',
  'ANTONIO',
  'SIMONE',
  'SAMUELE',
  'PIETRO',
  'GIOVANNI',
  'FILIPPO',
  'ALESSIO',
  'DIEGO',
  'EDOARDO',
  'CHRISTIAN',
  'EMANUELE',
  'NICOLA',
  "NICOLO'",
  'MICHELE',
  'STEFANO',
  'PAOLO',
  'ROBERTO',
  'MASSIMO',
  'GIORGIO',
  'MARIO',
  'LUIGI',
  'BRUNO',
  'SERGIO',
  'FRANCO',
  'CLAUDIO',
  'GIANNI',
  'FABIO',
  'ALBERTO',
  'ENRICO',
  'VITTORIO',
  'UMBERTO',
  'RENATO',
  'DANIELE',
  'CARLO',
  'IVAN',
  'YURI',
  'GIANLUCA',
  'ALDO',
  'ELIA',
  'ZENO',
  'OMAR',
  'KEVIN',
  'ION',
  'MOHAMED',
  'RAJ',
];

export const FEMALE_NAMES: readonly string[] = [
  'SOFIA',
  'GIULIA',
  'AURORA',
  'ALICE',
  'GINEVRA',
  'EMMA',
  'GIORGIA',
  'GRETA',
  'BEATRICE',
  'ANNA',
  'CHIARA',
  'SARA',
  'MARTINA',
  'FRANCESCA',
  'ELENA',
  'VALENTINA',
  'FEDERICA',
  'ALESSIA',
  'SILVIA',
  'LAURA',
  'PAOLA',
  'MARIA',
  'ROSA',
  'GIUSEPPINA',
  'ANGELA',
  'TERESA',
  'LUCIA',
  'CARLA',
  'ROSANNA',
  'BRUNA',
  'FRANCA',
  'LUISA',
  'ELISA',
  'MONICA',
  'CRISTINA',
  'BARBARA',
  'ROBERTA',
  'SERENA',
  'ILARIA',
  'NOEMI',
  'IRENE',
  'MATILDE',
  'VITTORIA',
  'LETIZIA',
  'DANIELA',
  'PATRIZIA',
  'GABRIELLA',
  'GRAZIA',
  'ORNELLA',
  'EMMA',
  'ZOE',
  'YLENIA',
  'LINDA',
  'IOANA',
  'FATIMA',
  'XIN',
  'AGNESE',
  'ADA',
  'ELSA',
  'NADIA',
];

/** A birthplace: a real municipality or foreign country with its Belfiore code. */
export interface Birthplace {
  name: string;
  province: string;
  belfiore: string;
  weight: number;
}

// Most people of the territory are born in its hospitals; the rest elsewhere in Italy or abroad.
// Codes verified against codice-fiscale-js in test/core/synth-people.test.ts.
export const BIRTHPLACES: readonly Birthplace[] = [
  { name: 'VERONA', province: 'VR', belfiore: 'L781', weight: 400 },
  { name: 'LEGNAGO', province: 'VR', belfiore: 'E512', weight: 60 },
  { name: 'SAN BONIFACIO', province: 'VR', belfiore: 'H783', weight: 50 },
  { name: 'VILLAFRANCA DI VERONA', province: 'VR', belfiore: 'L949', weight: 40 },
  { name: 'BUSSOLENGO', province: 'VR', belfiore: 'B296', weight: 30 },
  { name: 'NEGRAR DI VALPOLICELLA', province: 'VR', belfiore: 'F861', weight: 30 },
  { name: 'ISOLA DELLA SCALA', province: 'VR', belfiore: 'E349', weight: 10 },
  { name: 'PESCHIERA DEL GARDA', province: 'VR', belfiore: 'G489', weight: 10 },
  { name: 'CEREA', province: 'VR', belfiore: 'C498', weight: 8 },
  { name: 'BOVOLONE', province: 'VR', belfiore: 'B107', weight: 8 },
  { name: 'SAN GIOVANNI LUPATOTO', province: 'VR', belfiore: 'H924', weight: 8 },
  { name: 'VICENZA', province: 'VI', belfiore: 'L840', weight: 20 },
  { name: 'PADOVA', province: 'PD', belfiore: 'G224', weight: 20 },
  { name: 'VENEZIA', province: 'VE', belfiore: 'L736', weight: 15 },
  { name: 'TREVISO', province: 'TV', belfiore: 'L407', weight: 8 },
  { name: 'ROVIGO', province: 'RO', belfiore: 'H620', weight: 8 },
  { name: 'BELLUNO', province: 'BL', belfiore: 'A757', weight: 4 },
  { name: 'MANTOVA', province: 'MN', belfiore: 'E897', weight: 10 },
  { name: 'BRESCIA', province: 'BS', belfiore: 'B157', weight: 8 },
  { name: 'TRENTO', province: 'TN', belfiore: 'L378', weight: 6 },
  { name: 'BOLZANO', province: 'BZ', belfiore: 'A952', weight: 3 },
  { name: 'MILANO', province: 'MI', belfiore: 'F205', weight: 12 },
  { name: 'TORINO', province: 'TO', belfiore: 'L219', weight: 5 },
  { name: 'GENOVA', province: 'GE', belfiore: 'D969', weight: 3 },
  { name: 'BOLOGNA', province: 'BO', belfiore: 'A944', weight: 5 },
  { name: 'FIRENZE', province: 'FI', belfiore: 'D612', weight: 4 },
  { name: 'ROMA', province: 'RM', belfiore: 'H501', weight: 8 },
  { name: 'NAPOLI', province: 'NA', belfiore: 'F839', weight: 10 },
  { name: 'BARI', province: 'BA', belfiore: 'A662', weight: 5 },
  { name: 'FOGGIA', province: 'FG', belfiore: 'D643', weight: 4 },
  { name: 'SALERNO', province: 'SA', belfiore: 'H703', weight: 4 },
  { name: 'PALERMO', province: 'PA', belfiore: 'G273', weight: 6 },
  { name: 'CATANIA', province: 'CT', belfiore: 'C351', weight: 5 },
  { name: 'CAGLIARI', province: 'CA', belfiore: 'B354', weight: 3 },
  { name: 'ROMANIA', province: 'EE', belfiore: 'Z129', weight: 12 },
  { name: 'MAROCCO', province: 'EE', belfiore: 'Z330', weight: 8 },
  { name: 'ALBANIA', province: 'EE', belfiore: 'Z100', weight: 6 },
  { name: 'CINA REPUBBLICA POPOLARE', province: 'EE', belfiore: 'Z210', weight: 4 },
  { name: 'INDIA', province: 'EE', belfiore: 'Z222', weight: 4 },
  { name: 'MOLDAVIA', province: 'EE', belfiore: 'Z140', weight: 5 },
  { name: 'NIGERIA', province: 'EE', belfiore: 'Z335', weight: 3 },
  { name: 'UCRAINA', province: 'EE', belfiore: 'Z138', weight: 3 },
  { name: 'SRI LANKA', province: 'EE', belfiore: 'Z209', weight: 3 },
  { name: 'BRASILE', province: 'EE', belfiore: 'Z602', weight: 2 },
  { name: 'GERMANIA', province: 'EE', belfiore: 'Z112', weight: 2 },
];

/**
 * Approximate resident populations of the larger towns (by reference-data name); every other
 * municipality counts as DEFAULT_POPULATION. Only the proportions matter.
 */
export const POPULATIONS: Readonly<Record<string, number>> = {
  Verona: 257_000,
  'Villafranca di Verona': 33_500,
  'San Giovanni Lupatoto': 25_500,
  Legnago: 25_000,
  'San Bonifacio': 21_500,
  Bussolengo: 20_500,
  Sona: 17_800,
  Pescantina: 17_300,
  'Negrar di Valpolicella': 17_000,
  Cerea: 16_400,
  Bovolone: 16_000,
  'San Martino Buon Albergo': 15_800,
  'Valeggio sul Mincio': 15_500,
  Zevio: 15_000,
  Sommacampagna: 15_000,
  'Castelnuovo del Garda': 13_000,
  "Castel d'Azzano": 12_000,
  'Isola della Scala': 11_600,
  Grezzana: 10_900,
  'Peschiera del Garda': 10_700,
  Oppeano: 10_000,
  Venezia: 255_000,
  Padova: 210_000,
  Vicenza: 110_000,
  Treviso: 85_000,
  Rovigo: 51_000,
  Belluno: 35_000,
};
export const DEFAULT_POPULATION = 4_000;

const STREETS: readonly string[] = [
  'VIA ROMA',
  'VIA GIUSEPPE GARIBALDI',
  'VIA GIUSEPPE MAZZINI',
  'VIA CAMILLO BENSO DI CAVOUR',
  'VIA DANTE ALIGHIERI',
  'VIA XX SETTEMBRE',
  'VIA IV NOVEMBRE',
  'VIA DELLA REPUBBLICA',
  'VIA GIACOMO MATTEOTTI',
  'VIA ANTONIO GRAMSCI',
  'VIA GIUSEPPE VERDI',
  'VIA GUGLIELMO MARCONI',
  'VIA DON GIOVANNI MINZONI',
  'VIA SAN ZENO',
  'VIA DEGLI ALPINI',
  'VIA CESARE BATTISTI',
  'VIA DELLA STAZIONE',
  'VIA DEI MILLE',
  'VIA ALESSANDRO MANZONI',
  'VIA PIAVE',
  'VIA TRENTO',
  'VIA TRIESTE',
  'VIA MONTE BALDO',
  'VIA VALPOLICELLA',
  "VIA DELL'ARTIGIANATO",
  'VIA CHIESA',
  'CORSO PORTA NUOVA',
  'CORSO VITTORIO EMANUELE II',
  'PIAZZA BRÀ',
  'PIAZZA DELLA LIBERTÀ',
  'PIAZZA GIACOMO MATTEOTTI',
  'VICOLO DEL POZZO',
  'STRADA DEL DONATORE',
  'CONTRADA BASSA',
  'CONTRADA SAN ROCCO',
  'LOCALITÀ CASE SPARSE',
  "VIALE DELL'INDUSTRIA",
  'VIALE EUROPA',
];

const MOBILE_PREFIXES: readonly string[] = [
  '320',
  '328',
  '329',
  '333',
  '335',
  '338',
  '339',
  '340',
  '342',
  '345',
  '347',
  '348',
  '349',
  '366',
  '380',
  '388',
  '389',
  '391',
  '392',
  '393',
];

export interface Gp {
  code: string;
  name: string;
  province: string;
}

export interface Residence {
  istatCode: string;
  name: string;
  province: string;
  inTerritory: boolean;
}

export interface Person {
  surname: string;
  name: string;
  sex: 'M' | 'F';
  /** Days since 1970-01-01 (UTC). */
  birthDay: number;
  birthplace: Birthplace;
  fiscalCode: string;
  /** The code without omocodia, from which variants are made when two people collide. */
  baseFiscalCode: string;
  omocodia: number;
  residence: Residence;
  address: string;
  phone: string;
  gp: Gp | undefined;
}

/** Share of people resident outside the territory (students, workers, visitors). */
export const OUTSIDE_TERRITORY_SHARE = 0.01;
/** Share of residents of the territory without a GP. */
export const NO_GP_SHARE = 0.03;
/** Share of people whose fiscal code is an omocodia variant from birth. */
export const OMOCODIA_SHARE = 0.003;
export const GPS_PER_PROVINCE = 300;

const BIRTH_FIRST_DAY = Date.UTC(1930, 0, 1) / 86_400_000;
const BIRTH_LAST_DAY = Date.UTC(2020, 11, 31) / 86_400_000;

/** What a population is drawn from: the territory, its GPs and the weighted pickers. */
export class PopulationModel {
  readonly gps: readonly Gp[];
  private readonly gpsByProvince = new Map<string, Gp[]>();
  private readonly residences: WeightedPicker<Residence>;
  private readonly outside: readonly Residence[];
  private readonly birthplaces = new WeightedPicker(
    BIRTHPLACES,
    BIRTHPLACES.map((b) => b.weight),
  );
  private readonly birthDates = new Map<number, { year: number; month: number; day: number }>();

  constructor(
    readonly seed: number,
    readonly provinces: readonly string[],
  ) {
    const territory = municipalitiesOf(provinces).map((m) => toResidence(m, true));
    this.residences = new WeightedPicker(
      territory,
      territory.map((m) => POPULATIONS[titleName(m)] ?? DEFAULT_POPULATION),
    );
    const wanted = new Set(provinces);
    this.outside = allMunicipalities()
      .filter((m) => !wanted.has(m.province))
      .map((m) => toResidence(m, false));
    this.gps = makeGps(seed, provinces);
    for (const gp of this.gps) {
      const list = this.gpsByProvince.get(gp.province) ?? [];
      list.push(gp);
      this.gpsByProvince.set(gp.province, list);
    }
  }

  /** A person drawn from `rng` (seeded by the caller with the person's key: same key, same person). */
  person(rng: Rng): Person {
    const sex = rng.chance(0.5) ? 'M' : 'F';
    const names = sex === 'M' ? MALE_NAMES : FEMALE_NAMES;
    let name = rng.pick(names);
    if (rng.chance(0.04)) {
      const second = rng.pick(names);
      if (second !== name) name = `${name} ${second}`;
    }
    const surname = rng.pick(SURNAMES);
    const birthDay = rng.int(BIRTH_FIRST_DAY, BIRTH_LAST_DAY);
    const birthplace = this.birthplaces.pick(rng);
    const ymd = this.ymd(birthDay);
    const omocodia = rng.chance(OMOCODIA_SHARE) ? rng.int(1, 2) : 0;
    const baseFiscalCode = fiscalCode({
      surname,
      name,
      sex,
      birthYear: ymd.year,
      birthMonth: ymd.month,
      birthDay: ymd.day,
      belfiore: birthplace.belfiore,
    });
    const residence =
      this.outside.length > 0 && rng.chance(OUTSIDE_TERRITORY_SHARE)
        ? rng.pick(this.outside)
        : this.residences.pick(rng);
    const gps = residence.inTerritory ? this.gpsByProvince.get(residence.province) : undefined;
    const gp = gps && !rng.chance(NO_GP_SHARE) ? rng.pick(gps) : undefined;
    return {
      surname,
      name,
      sex,
      birthDay,
      birthplace,
      fiscalCode: fiscalCodeVariant(baseFiscalCode, omocodia),
      baseFiscalCode,
      omocodia,
      residence,
      address: address(rng),
      phone: phone(rng, residence.province),
      gp,
    };
  }

  /** Year, month and day of a day number (cached: birth dates repeat a lot). */
  ymd(day: number): { year: number; month: number; day: number } {
    let hit = this.birthDates.get(day);
    if (!hit) {
      const d = new Date(day * 86_400_000);
      hit = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      this.birthDates.set(day, hit);
    }
    return hit;
  }
}

function toResidence(m: Municipality, inTerritory: boolean): Residence {
  return { istatCode: m.istatCode, name: m.name.toUpperCase(), province: m.province, inTerritory };
}

const titleNames = new Map<string, string>();
function titleName(r: Residence): string {
  // POPULATIONS is keyed by the reference data's spelling; look it up from the ISTAT code.
  if (titleNames.size === 0)
    for (const m of allMunicipalities()) titleNames.set(m.istatCode, m.name);
  return titleNames.get(r.istatCode) ?? r.name;
}

/** A few hundred GPs per province: codes MG + 5 digits, unique, names from the same lists. */
export function makeGps(seed: number, provinces: readonly string[]): Gp[] {
  const rng = new Rng(mix32(seed, 0x6b));
  const gps: Gp[] = [];
  const count = GPS_PER_PROVINCE * provinces.length;
  for (let j = 0; j < count; j++) {
    // Disjoint ranges of 61 numbers keep the codes unique and sorted.
    const number = 10_000 + j * 61 + rng.int(0, 60);
    const female = rng.chance(0.5);
    gps.push({
      code: `MG${number}`,
      name: `${rng.pick(SURNAMES)} ${rng.pick(female ? FEMALE_NAMES : MALE_NAMES)}`,
      province: provinces[j % provinces.length] as string,
    });
  }
  return gps;
}

function address(rng: Rng): string {
  const street = rng.pick(STREETS);
  const number = rng.int(1, 150);
  const suffix = rng.chance(0.08) ? `/${rng.pick(['A', 'B', 'C'])}` : '';
  // Some offices write a comma before the number: it must survive CSV quoting.
  return rng.chance(0.1) ? `${street}, ${number}${suffix}` : `${street} ${number}${suffix}`;
}

function phone(rng: Rng, province: string): string {
  const roll = rng.next();
  if (roll < 0.15) return '';
  if (roll < 0.25) {
    const area = province === 'VR' ? '045' : '0' + String(rng.int(10, 99));
    return `${area}${String(rng.int(0, 9_999_999)).padStart(7, '0')}`;
  }
  return `${rng.pick(MOBILE_PREFIXES)}${String(rng.int(0, 9_999_999)).padStart(7, '0')}`;
}
