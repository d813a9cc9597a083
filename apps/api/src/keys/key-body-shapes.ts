import { rawBodyShape } from '../http/raw-body-shape.js';

/** The keys API's bodies as sent, before Ajv's coercion (see raw-body-shape.ts): saves, edits and toggles. */
export const SAVE_BODY_SHAPE = rawBodyShape({ models: 'model-list-or-null' });
export const PATCH_BODY_SHAPE = rawBodyShape({ models: 'model-list-or-null', enabled: 'boolean' }, { optional: true });
export const TOGGLE_BODY_SHAPE = rawBodyShape({ enabled: 'boolean' }, { optional: true });
