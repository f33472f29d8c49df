/**
 * Deterministic prompt-like text for benchmarks: ordinary requests with the things real
 * prompts carry (numbers, a date, a URL, code, punctuation). Written for Palisade; no dataset text.
 */
const sentences = [
  'Could you help me draft a short note to the team about moving the planning meeting to Thursday?',
  'The quarterly report shows revenue of 4.2 million, up 12% from last year, with costs flat.',
  'Please summarise the attached article in three bullet points for a busy reader.',
  'I am trying to understand why my Python script prints None instead of the sum of the list.',
  'def total(values):\n    return sum(v for v in values if v is not None)',
  'Our office opens at 9:30 and the delivery window is between 2024-03-14 and 2024-03-18.',
  'What are the main differences between a mutex and a semaphore, with an example of each?',
  'See https://example.com/docs/getting-started for the installation guide and FAQ.',
  'Translate the following sentence into German: the train leaves from platform seven.',
  'My daughter asked why the sky is blue; can you explain it simply, without equations?',
  'List five healthy breakfast ideas that take less than ten minutes to prepare.',
  'The function should return an empty array when the input is missing or malformed.',
];

export function sampleText(size: number): string {
  let text = '';
  let index = 0;
  while (text.length < size) {
    text += (text === '' ? '' : ' ') + (sentences[index % sentences.length] as string);
    index++;
  }
  return text.slice(0, size);
}
