// The version only (a named import: the bundles carry this one field, not the whole package.json).
import { version } from '../../../package.json';
export const APP_VERSION: string = version;
