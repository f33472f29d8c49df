/**
 * Frequent English words, used to tell rot13-encoded English from other text: when a stretch of
 * letters holds few of these words but its rot13 holds many, it was encoded. Words that attacks
 * tend to use are included so short encoded payloads are still recognised.
 */
export const commonEnglishWords: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are as ask at be because been before
  being below between both but by can could did do does doing down during each even every few
  first for from further get give go had has have having he her here hers him his how i if in into
  is it its just know let like make me more most must my new no nor not now of off on once only or
  other our out over own please same say secret see she should show so some such tell than that
  the their them then there these they this those through to too under until up very want was we
  well were what when where which while who whom why will with would you your yours yourself
  answer assistant attention below command content data delete disregard do email everything
  execute file following forget ignore information instead instruction instructions key message
  model never next nothing now output password previous print prior prompt reply respond response
  rules send system task text user write act pretend role mode developer admin access reveal
  repeat above hidden original initial told from now on must always`.split(/\s+/),
);
