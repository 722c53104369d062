/** The rules document of issue 15, word for word: the example every access-rules test starts from. */
export const ISSUE_EXAMPLE = {
  rules: [
    { name: 'own', prefix: 'users/${sub}/', actions: ['get', 'put', 'delete', 'list'] },
    { name: 'public', prefix: 'public/', actions: ['get', 'list'] },
    { name: 'team', when: { claim: 'groups', includes: 'editors' }, prefix: 'teams/${org}/', actions: ['get', 'put', 'list'] },
    { name: 'avatars', prefix: 'avatars/${sub}/', actions: ['put'], maxSize: 2097152, contentTypes: ['image/png', 'image/jpeg'] },
  ],
};
