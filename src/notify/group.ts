// Grouping of the items a channel receives from one poll into messages. One
// cause gives one message: the same ruleset and rule on several hosts, or
// several findings on one host. Everything else goes out on its own.
import type { NotificationGroup, NotificationItem } from '../model/notification.js';

export interface ItemGroup {
  group: NotificationGroup;
  items: NotificationItem[];
}

export function groupItems(items: readonly NotificationItem[]): ItemGroup[] {
  const sorted = [...items].sort(compareItems);
  const groups: ItemGroup[] = [];

  const byRuleset = bucket(sorted, (item) => `${item.vcenter}/${item.rule}/${item.ruleset ?? '-'}`);
  const rest: NotificationItem[] = [];
  for (const [key, members] of byRuleset) {
    if (new Set(members.map((item) => item.host)).size >= 2) {
      groups.push({ group: { kind: 'ruleset', key }, items: members });
    } else {
      rest.push(...members);
    }
  }

  for (const [key, members] of bucket(rest.sort(compareItems), (item) => `${item.vcenter}/${item.host ?? '-'}`)) {
    if (members.length >= 2) {
      groups.push({ group: { kind: 'host', key }, items: members });
    } else {
      groups.push({ group: { kind: 'single', key: `${key}/${members[0]!.fingerprint}` }, items: members });
    }
  }
  return groups;
}

function bucket(items: readonly NotificationItem[], keyOf: (item: NotificationItem) => string): Map<string, NotificationItem[]> {
  const buckets = new Map<string, NotificationItem[]>();
  for (const item of items) {
    const key = keyOf(item);
    const members = buckets.get(key);
    if (members) {
      members.push(item);
    } else {
      buckets.set(key, [item]);
    }
  }
  return buckets;
}

function compareItems(a: NotificationItem, b: NotificationItem): number {
  return (
    compare(a.vcenter, b.vcenter) ||
    compare(a.host ?? '', b.host ?? '') ||
    compare(a.ruleset ?? '', b.ruleset ?? '') ||
    compare(a.rule, b.rule) ||
    compare(a.reason, b.reason)
  );
}

function compare(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}
