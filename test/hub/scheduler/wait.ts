export { waitUntil as waitFor } from '../../helpers/wait.js';
