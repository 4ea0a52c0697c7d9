// Conformance suite: see issue 2 (written by the compute helper).
export {};
