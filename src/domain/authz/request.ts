/** Who asks, as the apiserver tells the authorization webhook. */
export interface Subject {
  user: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export interface ResourceAttributes {
  verb: string;
  namespace: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  name: string;
}

export interface NonResourceAttributes {
  path: string;
  verb: string;
}

/** One access request: either a resource or a non-resource (URL path) request. */
export type AccessRequest =
  | { subject: Subject; resource: ResourceAttributes; nonResource?: undefined }
  | { subject: Subject; nonResource: NonResourceAttributes; resource?: undefined };

/** An authorizer's answer. `allowed=false, denied=false` is "no opinion" (the next authorizer may allow). */
export interface Decision {
  allowed: boolean;
  denied?: boolean;
  reason: string;
}
