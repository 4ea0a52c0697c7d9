/** Where an app's `main` writes. The CLIs pass {@link processIO}; tests pass collectors. */
export interface MainIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** The process streams as a {@link MainIO}. */
export const processIO: MainIO = {
  stdout: (s) => {
    process.stdout.write(s);
  },
  stderr: (s) => {
    process.stderr.write(s);
  },
};
