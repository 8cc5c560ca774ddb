import type { ComponentChildren } from 'preact';
import type { Resource } from '../use-resource.js';
import { ErrorNotice, Loading } from './notice.js';

/** A resource as a page shows it: "Loading WHAT…" while it loads, the API's error, or `children(value)`. */
export function ResourceView<Value>(props: {
  readonly resource: Resource<Value>;
  readonly what: string;
  readonly children: (value: Value) => ComponentChildren;
}) {
  const { resource } = props;
  if (resource.state === 'loading') return <Loading what={props.what} />;
  if (resource.state === 'failed') return <ErrorNotice error={resource.error} />;
  return <>{props.children(resource.value)}</>;
}

/** A list the API answered (`{ items }`), or `none` when it holds no item. */
export function ItemsView<Item>(props: {
  readonly resource: Resource<{ readonly items: readonly Item[] }>;
  readonly what: string;
  readonly none: string;
  readonly children: (items: readonly Item[]) => ComponentChildren;
}) {
  return (
    <ResourceView resource={props.resource} what={props.what}>
      {(list) => (list.items.length === 0 ? <p class="muted">{props.none}</p> : props.children(list.items))}
    </ResourceView>
  );
}
