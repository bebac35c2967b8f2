// One line of `medic doctor`: a check, whether it passed (or only warns), and what it found.
export type Check = { readonly ok: boolean | 'warn'; readonly name: string; readonly detail: string };
