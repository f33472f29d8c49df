/** The template with `{payload}` replaced by the text (taken literally: `$&` in an attack stays `$&`). */
export function fillTemplate(template: string, payload: string): string {
  return template.replaceAll('{payload}', () => payload);
}
