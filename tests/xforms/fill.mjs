// Fill an XForm in ODK Web Forms' engine (@getodk/xforms-engine), headless under Node (jsdom).
//
// Reads a job as JSON on stdin: {"form": "<path of the XForm XML>", "runs": [{"answers":
// {name: value}, "bad": [[name, value], ...]}, ...]}; each run fills a new instance of the form.
// Answers are given in the form's order, like an enumerator going through it: a question is
// answered only while it is relevant (shown); a select's value is its choice names separated by
// spaces. Each "bad" value is then tried on its question and taken back, to read the
// constraint message the engine shows.
//
// Writes JSON on stdout, one result per run: {"questions": [{name, path, type, relevant,
// required}, ...] (after filling), "not_shown": [names answered but hidden when reached],
// "bad": [{name, valid, message}], "violations": [{reference, condition, message}],
// "submission": "<the instance XML the engine submits>"}.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

// web-tree-sitter's Node branch reads __dirname (absent in an ES module); its WebAssembly comes
// embedded in the engine, so any directory will do
globalThis.__dirname ??= process.cwd();
const dom = new JSDOM("");
for (const name of ["DOMParser", "XMLSerializer", "Node", "Document", "Element", "XPathResult", "NodeFilter", "document"]) {
  if (globalThis[name] === undefined) {
    globalThis[name] = dom.window[name];
  }
}

const { createInstance } = await import("@getodk/xforms-engine");

const job = JSON.parse(readFileSync(0, "utf8"));
const xml = readFileSync(job.form, "utf8");
const results = [];
for (const run of job.runs) {
  results.push(await fill(run));
}
process.stdout.write(JSON.stringify(results));

function* leaves(node) {
  const children = node.currentState.children;
  if (children === null) {
    yield node;
    return;
  }
  for (const child of children) {
    yield* leaves(child);
  }
}

function nameOf(node) {
  return node.definition.qualifiedName.localName;
}

function set(node, value) {
  if (node.nodeType === "select") {
    node.selectValues(value === "" ? [] : String(value).split(" "));
  } else if (node.nodeType === "input") {
    node.setValue(String(value));
  } else {
    throw new Error(`${nameOf(node)}: a ${node.nodeType} takes no answer`);
  }
}

async function fill(run) {
  const { root } = await createInstance(xml);
  const answers = run.answers ?? {};
  const notShown = [];
  for (const node of leaves(root)) {
    const name = nameOf(node);
    if (!(name in answers)) continue;
    if (!node.currentState.relevant) {
      notShown.push(name);
      continue;
    }
    set(node, answers[name]);
  }

  const bad = [];
  for (const [name, value] of run.bad ?? []) {
    const node = [...leaves(root)].find((n) => nameOf(n) === name);
    if (node === undefined) throw new Error(`no question ${name}`);
    const before = node.currentState.value;
    set(node, value);
    const state = node.validationState.constraint;
    bad.push({ name, valid: state.valid, message: state.message?.asString ?? null });
    if (node.nodeType === "select") node.selectValues([...before]);
    else node.setValue(String(before ?? ""));
  }

  const questions = [...leaves(root)].map((node) => ({
    name: nameOf(node),
    path: node.currentState.reference,
    type: node.nodeType,
    relevant: node.currentState.relevant,
    required: node.currentState.required,
  }));
  const violations = root.validationState.violations.map((v) => ({
    reference: v.reference,
    condition: v.violation.condition,
    message: v.violation.message?.asString ?? null,
  }));
  const payload = await root.prepareInstancePayload();
  const submission = await payload.data[0].get("xml_submission_file").text();
  return { questions, not_shown: notShown, bad, violations, submission };
}
