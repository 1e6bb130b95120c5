/**
 * Korean particles after names the program fills in (`pod-a를`, `node1을`, `router로`): the
 * particle depends on whether the word, as read aloud, ends in a consonant (받침), and 으로/로 also
 * on whether that consonant is ㄹ. Names are mostly Latin letters and digits, read as Koreans
 * read them: digits as Sino-Korean numbers (1 일, 0 영), a lone letter by its name (b 비, l 엘),
 * an English word as it sounds (router 라우터, web 웹).
 */

/** How a word ends when read aloud: a vowel, the consonant ㄹ, or another consonant. */
type Ending = "vowel" | "rieul" | "consonant";

// 영 일 이 삼 사 오 육 칠 팔 구
const DIGITS: readonly Ending[] = [
  "consonant",
  "rieul",
  "vowel",
  "consonant",
  "vowel",
  "vowel",
  "consonant",
  "rieul",
  "rieul",
  "vowel",
];

/** Letters whose Korean names end in a consonant: 엘 엠 엔 알; the others end in a vowel (에이 비 …). */
const LETTER_NAMES: Record<string, Ending> = {
  l: "rieul",
  m: "consonant",
  n: "consonant",
  r: "rieul",
};

function ending(word: string): Ending {
  const text = word.trim();
  const last = text[text.length - 1];
  if (last === undefined) return "vowel";
  const code = last.charCodeAt(0);
  if (code >= 0xac00 && code <= 0xd7a3) {
    const final = (code - 0xac00) % 28;
    return final === 0 ? "vowel" : final === 8 ? "rieul" : "consonant";
  }
  if (last >= "0" && last <= "9") return DIGITS[Number(last)] as Ending;
  const lower = last.toLowerCase();
  if (lower < "a" || lower > "z") return "vowel";
  // The last word (after -, ., _): a lone letter is read by its name.
  const tail = /[a-z]+$/i.exec(text)?.[0] ?? lower;
  // An acronym (VXLAN, IPIP, eBPF) is read letter by letter too: 브이엑스랜, 아이피아이피.
  if (tail.length === 1 || (tail.match(/[A-Z]/g)?.length ?? 0) >= 2)
    return LETTER_NAMES[lower] ?? "vowel";
  if (/[aeiouy]$/i.test(tail)) return "vowel";
  // -er, -or (router 라우터) and a plural -s (iptables 아이피테이블즈) end in a vowel; -l (tunnel
  // 터널) in ㄹ; other consonants in a 받침 (web 웹).
  if (/[rs]$/i.test(tail)) return "vowel";
  if (/l$/i.test(tail)) return "rieul";
  return "consonant";
}

/** The particle pairs, written as Korean grammar books write them: 받침 form / vowel form. */
export type Particle = "이/가" | "을/를" | "은/는" | "과/와" | "으로/로";

/** `word` followed by the right form of `particle`: `withParticle("node1", "을/를")` is `node1을`. */
export function withParticle(word: string, particle: Particle): string {
  const [afterConsonant, afterVowel] = particle.split("/") as [string, string];
  const end = ending(word);
  if (particle === "으로/로") return word + (end === "consonant" ? afterConsonant : afterVowel);
  return word + (end === "vowel" ? afterVowel : afterConsonant);
}
