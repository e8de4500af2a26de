/**
 * What a person is told of a command that changes links and that the bot stopped before it finished: as it stops
 * (`back` false: they act once it is back), or once it started again.
 */
export function stoppedBefore(command: string, back: boolean): string {
  const once = back ? "" : "once the bot is back, ";
  const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  switch (command) {
    case "link":
      return `What it made carries the link's labels: ${once}run it again (it first removes what this one left), or \`reconcile --fix\` removes it.`;
    case "reconcile":
      return sentence(`${once}run \`reconcile\` again: it names what is still left.`);
    default:
      return sentence(`${once}\`status\` shows where the link stands and its Next line what finishes it.`);
  }
}
