import Type, { type Static } from 'typebox';

export const UserSettingsView = Type.Object(
  {
    platform_fallback: Type.Enum(['allow', 'never'], {
      description:
        "Whether the platform's own keys (charged in credits) may serve a request none of your keys can. `never`: such a request answers 400 `no_route` and its receipt says the platform key was skipped because of this setting. Default `allow`. One request can ask for `never` with the header `x-byok-fallback: never`.",
    }),
  },
  { additionalProperties: false },
);
export type UserSettingsView = Static<typeof UserSettingsView>;
