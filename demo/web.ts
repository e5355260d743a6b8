/** `npm run demo:web`: build the demo page and serve it on 127.0.0.1 until interrupted. */
import { serveDemo } from './server.js';

const { url } = await serveDemo();
console.log(`orthosparse demo: ${url}/  (Ctrl-C to stop)`);
