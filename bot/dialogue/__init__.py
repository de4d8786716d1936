"""What the bot says and stores at each step of a conversation, channel- and engine-neutral.

`service.Dialogue` is the entry point the actions call: each of its steps runs as one turn
(`service.Dialogue._turn`): load the `TurnState` once, apply the one consent rule, run the
step, commit once. The steps live in small modules: `consent`, `asking` (presentation, no
database), `answering`, `recording` (the only writer of answers and alerts), `levels`,
`interruptions`, `texts` (replies used by several steps).
"""
