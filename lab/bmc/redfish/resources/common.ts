/** Small builders shared by resource modules. */
export const V1 = '/redfish/v1';

/** A navigation link: {"@odata.id": id}. */
export const odata = (id: string) => ({ '@odata.id': id });

export function collection(id: string, type: string, name: string, members: string[]): Record<string, unknown> {
  return {
    '@odata.type': `#${type}.${type}`,
    '@odata.id': id,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map(odata),
  };
}

export const enabledOk = { State: 'Enabled', Health: 'OK' } as const;
