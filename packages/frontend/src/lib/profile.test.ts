import { describe, expect, it } from 'vitest';
import { profileProblems, profileUpdate } from './profile';

const form = { display_name: '', bio: '', website: '', github: '', avatar_url: '' };

describe('profile form', () => {
  it('trims values and sends an emptied field as null, so it is cleared', () => {
    expect(
      profileUpdate({
        ...form,
        display_name: '  Alice  ',
        website: 'https://alice.example',
        github: ' alice-l ',
      }),
    ).toEqual({
      update: {
        display_name: 'Alice',
        bio: null,
        website: 'https://alice.example',
        github: 'alice-l',
        avatar_url: null,
      },
    });
  });

  it('words each failing field before anything is sent', () => {
    const result = profileUpdate({
      ...form,
      website: 'alice.example',
      github: 'https://github.com/alice',
      avatar_url: 'http://x.example/a.png',
    });
    expect(result).toEqual({
      problems: {
        website: 'Enter a full web address starting with http:// or https://.',
        github: 'Enter a GitHub user name: letters, digits and single hyphens.',
        avatar_url: 'Enter an image address starting with https://.',
      },
    });
  });

  it('words the API’s field issues too, ignoring fields the form does not have', () => {
    expect(
      profileProblems([
        { path: 'bio', message: 'Too big: expected string to have <=1000 characters' },
        { path: 'slug', message: 'Unrecognized key' },
      ]),
    ).toEqual({ bio: 'Keep the bio to 1000 characters.' });
  });
});
