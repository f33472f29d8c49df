/**
 * Toxic language aimed at a person or a group, written for Palisade from templates. The public
 * toxicity data is mostly tweets whose offence is in slurs and profanity; it has little of the
 * plain second-person abuse, threats and "go hurt yourself" a chat product sees. These examples
 * fill that gap. They are used to fit and calibrate only, never to report: every figure on dev
 * comes from the public data.
 */
const insults = ['worthless', 'pathetic', 'disgusting', 'stupid', 'useless', 'brainless', 'revolting', 'miserable', 'braindead'];
const targetsOfAbuse = ['idiot', 'loser', 'moron', 'piece of trash', 'waste of space', 'clown', 'failure', 'creep', 'parasite'];
const groups = ['immigrants', 'women', 'men', 'gay people', 'Muslims', 'Jews', 'Christians', 'Black people', 'white people', 'disabled people', 'old people', 'refugees'];

const templates: readonly ((pick: (list: readonly string[], offset: number) => string) => string)[] = [
  (pick) => `you ${pick(insults, 0)} ${pick(targetsOfAbuse, 1)}`,
  (pick) => `you are a ${pick(insults, 2)} ${pick(targetsOfAbuse, 3)} and everyone knows it`,
  (pick) => `shut up you ${pick(insults, 4)} ${pick(targetsOfAbuse, 5)}`,
  (pick) => `nobody wants you here, you ${pick(insults, 6)} ${pick(targetsOfAbuse, 7)}`,
  (pick) => `I hope you die, you ${pick(targetsOfAbuse, 8)}`,
  (pick) => `go kill yourself, you ${pick(insults, 9)} ${pick(targetsOfAbuse, 10)}`,
  (pick) => `do everyone a favour and end yourself, ${pick(targetsOfAbuse, 11)}`,
  (pick) => `I will find where you live and hurt you, ${pick(targetsOfAbuse, 12)}`,
  (pick) => `${pick(groups, 13)} are ${pick(insults, 14)} and should be kicked out`,
  (pick) => `all ${pick(groups, 15)} are ${pick(['criminals', 'animals', 'vermin', 'subhuman', 'a disease'], 16)}`,
  (pick) => `${pick(groups, 17)} are too ${pick(['stupid', 'dumb', 'inferior', 'primitive'], 18)} to ${pick(['vote', 'work', 'think for themselves', 'be trusted'], 19)}`,
  (pick) => `get out of my country, ${pick(['filthy', 'dirty', 'disgusting'], 20)} ${pick(groups, 21)}`,
];

export function harassmentExamples(): string[] {
  const texts = new Set<string>();
  for (let variant = 0; variant < 40; variant++) {
    for (const template of templates) {
      texts.add(template((list, offset) => list[(variant * 7 + offset * 3 + Math.floor(variant / list.length)) % list.length] as string));
    }
  }
  return [...texts].sort();
}
