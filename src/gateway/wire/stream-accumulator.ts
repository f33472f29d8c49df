import type { AssistantTurn, CompletionResult, StreamEvent } from './canonical.js';

export interface StreamAccumulator {
  add(event: StreamEvent): void;
  /** The completion so far: text and arguments joined; unfinished turns read as `stop`. */
  result(): CompletionResult;
}

/** Builds the `CompletionResult` a stream amounts to, for the output stage's final check and the audit log. */
export function createStreamAccumulator(): StreamAccumulator {
  let identity = { id: '', model: '', created: 0 };
  const turns: AssistantTurn[] = [];
  let usage: CompletionResult['usage'];

  const turn = (choice: number): AssistantTurn => {
    for (let index = turns.length; index <= choice; index++) turns.push({ text: '', toolCalls: [], finishReason: 'stop' });
    return turns[choice] as AssistantTurn;
  };

  return {
    add(event) {
      switch (event.type) {
        case 'start':
          identity = { id: event.id, model: event.model, created: event.created };
          return;
        case 'text':
          turn(event.choice).text += event.delta;
          return;
        case 'tool-call-start':
          turn(event.choice).toolCalls[event.index] = { id: event.id, name: event.name, arguments: '' };
          return;
        case 'tool-call-delta': {
          const call = turn(event.choice).toolCalls[event.index];
          if (call !== undefined) call.arguments += event.argumentsDelta;
          return;
        }
        case 'finish':
          turn(event.choice).finishReason = event.reason;
          return;
        case 'usage':
          usage = event.usage;
          return;
        case 'end':
          return;
      }
    },
    result() {
      const result: CompletionResult = { ...identity, turns: turns.map((each) => ({ ...each, toolCalls: each.toolCalls.filter((call) => call !== undefined).map((call) => ({ ...call })) })) };
      if (usage !== undefined) result.usage = { ...usage };
      return result;
    },
  };
}
