// Side-effect module: registering the resolve hook is all it does.
export {};
