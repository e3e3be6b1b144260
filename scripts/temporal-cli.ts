/** `npm run temporal:build`: builds (or finds) the Temporal CLI and prints its path. */
import { ensureTemporalCli } from '../platform/temporal-cli';

ensureTemporalCli()
  .then((p) => console.log(p))
  .catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
