/**
 * `TOKEN_ACCESS`: the common layouts as ready-made rules documents, so most deployments write no rules.
 * The folder names follow Amplify's long-standing access levels (`private`, `protected`, `public`).
 *
 * - `private`:     own folder `users/${sub}/` read-write (get, put, delete, list);
 * - `protected`:   the same, plus `protected/${sub}/` read-write, plus read (get, list) of everyone's
 *                  `protected/` folders;
 * - `public-read`: the same own folder, plus read (get, list) of `public/`.
 *
 * @module
 */

const own = { name: 'own', prefix: 'users/${sub}/', actions: ['get', 'put', 'delete', 'list'] };

export const ACCESS_PRESETS = {
  private: { rules: [own] },
  protected: {
    rules: [
      own,
      { name: 'protected-own', prefix: 'protected/${sub}/', actions: ['get', 'put', 'delete', 'list'] },
      { name: 'protected-read', prefix: 'protected/', actions: ['get', 'list'] },
    ],
  },
  'public-read': { rules: [own, { name: 'public-read', prefix: 'public/', actions: ['get', 'list'] }] },
} as const;

export type AccessPreset = keyof typeof ACCESS_PRESETS;
