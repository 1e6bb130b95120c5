import { describe, expect, test } from "vitest";
import { type ExportableLesson, exportProgress } from "../../src/progress/export";
import { emptyProgress, type Progress } from "../../src/progress/schema";
import { buildClassReport } from "../../src/report/class-report";
import { csvField, formatCsv } from "../../src/report/csv";
import { readResult } from "../../src/report/inputs";
import { formatJunit, xmlText } from "../../src/report/junit";
import { formatMarkdown } from "../../src/report/markdown";

const LESSONS: ExportableLesson[] = [
  {
    id: "overlay",
    title: { en: "Overlay", ko: "오버레이" },
    steps: [
      { id: "intro", kind: "read" },
      { id: "add-route", kind: "route" },
      { id: "fix-it", kind: "fix" },
    ],
  },
  {
    id: "services",
    title: { en: "Services", ko: "서비스" },
    steps: [{ id: "pick-mode", kind: "proxy-mode" }],
  },
];

type Steps = Record<string, { done: boolean; hints?: number; attempts?: number; seconds?: number }>;

function progressOf(lessons: Record<string, Steps>, exam = false): Progress {
  const p = emptyProgress();
  for (const [id, steps] of Object.entries(lessons)) {
    p.lessons[id] = { steps: {} };
    for (const [step, s] of Object.entries(steps))
      (p.lessons[id] as { steps: Record<string, unknown> }).steps[step] = {
        done: s.done,
        hints: s.hints ?? 0,
        attempts: s.attempts ?? 0,
        seconds: s.seconds ?? 0,
      };
  }
  if (exam)
    p.exam = { pack: "a".repeat(64), startedAt: "2026-11-29T09:00:00.000Z", timeLimitS: 5400 };
  return p;
}

function exported(name: string, progress: Progress, pack = "a".repeat(64)): string {
  return JSON.stringify(
    exportProgress({
      progress,
      lessons: LESSONS,
      fromPack: [],
      builtInOnly: false,
      pack,
      name,
      version: "0.1.0",
      exportedAt: new Date("2026-11-29T10:00:00Z"),
    }),
  );
}

const QUIZ = JSON.stringify({
  format: "podnet-learn-quiz",
  formatVersion: 1,
  name: "Park",
  startedAt: "2026-11-29T09:00:00.000Z",
  seed: 42,
  count: 2,
  topics: ["flannel", "services"],
  difficulty: "easy",
  exam: true,
  timeLimitS: 600,
  score: { correct: 1, total: 2 },
  byTopic: { flannel: { correct: 1, total: 1 }, services: { correct: 0, total: 1 } },
  questions: [
    {
      id: "q1",
      kind: "where-dropped",
      topic: "flannel",
      prompt: {},
      answer: { kind: "choice", choice: "a" },
      correct: true,
      expected: {},
      explanation: {},
      ms: 30000,
    },
    {
      id: "q2",
      kind: "proxy-mode",
      topic: "services",
      prompt: {},
      answer: null,
      correct: false,
      expected: {},
      explanation: {},
      ms: 12000,
    },
  ],
});

/** A class: one finished learner (with an awkward name), one halfway, one quiz, one stray file. */
function classFiles() {
  return [
    readResult(
      "kim.json",
      exported(
        'Kim, "Minji" 김민지',
        progressOf({
          overlay: {
            intro: { done: true, seconds: 20 },
            "add-route": { done: true, attempts: 4, hints: 2, seconds: 100 },
            "fix-it": { done: true, attempts: 1, seconds: 60 },
          },
          services: { "pick-mode": { done: true, attempts: 1 } },
        }),
      ),
    ),
    readResult(
      "lee.json",
      exported(
        "Lee <b>&",
        progressOf(
          { overlay: { "add-route": { done: false, attempts: 3, hints: 3, seconds: 140 } } },
          true,
        ),
      ),
    ),
    readResult("park-quiz.json", QUIZ),
    readResult("notes.json", '{"hello": "world"}'),
  ];
}

describe("reading result files", () => {
  test("a file that is not ours, not JSON, or of a newer format is a reason, not a crash", () => {
    expect(readResult("a.json", "not json")).toEqual({
      kind: "skipped",
      file: "a.json",
      reason: "not JSON",
    });
    expect(readResult("b.json", "[1,2]")).toMatchObject({ kind: "skipped" });
    expect(
      readResult("c.json", JSON.stringify({ format: "podnet-learn-progress", formatVersion: 2 })),
    ).toEqual({
      kind: "skipped",
      file: "c.json",
      reason:
        "made by a newer podnet-learn (podnet-learn-progress formatVersion 2; this one reads 1): update podnet-learn",
    });
    const broken = JSON.parse(exported("X", emptyProgress()));
    broken.lessons[0].steps[1].attempts = -1;
    expect(readResult("d.json", JSON.stringify(broken))).toMatchObject({
      kind: "skipped",
      reason:
        "a progress export, but lessons[0].steps[1] is not a step (id, kind, passed, attempts, hints)",
    });
  });
});

describe("the class report", () => {
  test("ranks the exercises that took most attempts, then hints, and counts who passed each", () => {
    const report = buildClassReport(classFiles());
    expect(report.learners.map((l) => l.name)).toEqual(['Kim, "Minji" 김민지', "Lee <b>&"]);
    expect(report.hardest.map((e) => [e.step, e.attempts, e.hints, e.passed, e.learners])).toEqual([
      ["add-route", 7, 5, 1, 2],
      ["fix-it", 1, 0, 1, 2],
      ["pick-mode", 1, 0, 1, 2],
    ]);
    expect(report.skipped).toEqual([
      {
        file: "notes.json",
        reason: "not a podnet-learn progress export or quiz report (no format field of ours)",
      },
    ]);
  });

  test("is the same whatever order the files were read in", () => {
    const files = classFiles();
    expect(formatMarkdown(buildClassReport([...files].reverse()))).toBe(
      formatMarkdown(buildClassReport(files)),
    );
  });

  test("says when learners had different lessons, and two learners of one name stay apart", () => {
    const a = readResult("a.json", exported("Sam", emptyProgress(), "a".repeat(64)));
    const b = readResult("b.json", exported("Sam", emptyProgress(), "b".repeat(64)));
    const report = buildClassReport([b, a]);
    expect(report.learners.map((l) => l.name)).toEqual(["Sam (a.json)", "Sam (b.json)"]);
    expect(formatMarkdown(report)).toContain(
      "**Different lessons:** Sam (a.json) had lessons with digest aaaaaaaaaaaa",
    );
  });

  test("as Markdown: the matrix, the exercises, the hardest, the quiz and the files left out", () => {
    expect(formatMarkdown(buildClassReport(classFiles()))).toBe(
      [
        "# Class report",
        "",
        "2 progress exports, 1 quiz report, 1 file left out.",
        "",
        "## Who finished what",
        "",
        "| learner | exam | overlay | services | lessons done |",
        "| --- | --- | --- | --- | --- |",
        '| Kim, "Minji" 김민지 | no | done | done | 2/2 |',
        "| Lee &lt;b>& | yes (1:30:00) | 0/2 | 0/1 | 0/2 |",
        "",
        "`done`: every step passed; `k/n`: exercises passed of the lesson's; `-`: not in the learner's lessons.",
        "",
        "## Exercises",
        "",
        "| lesson | exercise | kind | passed | attempts | hints | learners with hints | median time |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| overlay | add-route | route | 1/2 | 7 | 5 | 2 | 2:00 |",
        "| overlay | fix-it | fix | 1/2 | 1 | 0 | 0 | 1:00 |",
        "| services | pick-mode | proxy-mode | 1/2 | 1 | 0 | 0 | - |",
        "",
        "## Took the most attempts or hints",
        "",
        "1. overlay / add-route (route): 7 attempts, 5 hints, passed by 1 of 2",
        "2. overlay / fix-it (fix): 1 attempt, 0 hints, passed by 1 of 2",
        "3. services / pick-mode (proxy-mode): 1 attempt, 0 hints, passed by 1 of 2",
        "",
        "## Quiz",
        "",
        "| learner | seed | difficulty | exam | score | flannel | services |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        "| Park | 42 | easy | yes (10:00) | 1/2 | 1/1 | 0/1 |",
        "",
        "| question | topic | kind | right |",
        "| --- | --- | --- | --- |",
        "| q1 | flannel | where-dropped | 1/1 |",
        "| q2 | services | proxy-mode | 0/1 |",
        "",
        "## Files left out",
        "",
        "- notes.json: not a podnet-learn progress export or quiz report (no format field of ours)",
        "",
      ].join("\n"),
    );
  });

  test("as CSV: quotes doubled, commas quoted, Korean kept, formulas defused, CRLF lines", () => {
    expect(csvField('Kim, "Minji" 김민지')).toBe('"Kim, ""Minji"" 김민지"');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField(" padded")).toBe('" padded"');
    expect(csvField(3)).toBe("3");
    const lines = formatCsv(buildClassReport(classFiles())).split("\r\n");
    expect(lines.slice(0, 3)).toEqual([
      "source,learner,file,exam,lesson,item,kind,passed,attempts,hints,seconds",
      'progress,"Kim, ""Minji"" 김민지",kim.json,false,overlay,add-route,route,true,4,2,100',
      'progress,"Kim, ""Minji"" 김민지",kim.json,false,overlay,fix-it,fix,true,1,0,60',
    ]);
    expect(lines).toContain(
      "progress,Lee <b>&,lee.json,true,overlay,add-route,route,false,3,3,140",
    );
    expect(lines).toContain("quiz,Park,park-quiz.json,true,quiz,q2,proxy-mode,false,0,0,12");
    expect(lines.at(-1)).toBe("");
  });

  test("as JUnit: one suite per learner and quiz, a failure per exercise not passed, all escaped", () => {
    expect(xmlText(`a<b>&"c"'d'\u0007`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
    const xml = formatJunit(buildClassReport(classFiles()));
    expect(xml).toContain(
      '<testsuites name="podnet-learn class report" tests="8" failures="4" errors="0">',
    );
    expect(xml).toContain(
      '<testsuite name="Kim, &quot;Minji&quot; 김민지" id="0" tests="3" failures="0" errors="0" skipped="0" time="160.000">',
    );
    expect(xml).toContain(
      '<testsuite name="Lee &lt;b&gt;&amp; (exam)" id="1" tests="3" failures="3" errors="0" skipped="0" time="140.000">',
    );
    expect(xml).toContain(
      '<testcase classname="overlay" name="add-route" time="140.000">\n      <failure message="not passed (3 attempts, 3 hints)" type="not-passed"/>',
    );
    expect(xml).toContain(
      '<testsuite name="Park (quiz, seed 42, exam)" id="2" tests="2" failures="1"',
    );
    expect(xml).toContain('<failure message="not answered" type="not-passed"/>');
    // Well-formed enough for a strict reader: every opened element is closed.
    expect(xml.match(/<testcase /g)?.length).toBe(xml.match(/<\/testcase>/g)?.length);
  });
});
