import { authenticationResponse, registrationResponse, startEnvelope } from './handshake';

describe('the Passkey Flex handshake, translated', () => {
  it('moves top-level transports under response and adds empty extension results', () => {
    expect(
      registrationResponse({
        id: 'cred',
        rawId: 'cred',
        type: 'public-key',
        response: { attestationObject: 'ao', clientDataJSON: 'cd' },
        transports: ['internal', 'hybrid'],
      }),
    ).toEqual({
      id: 'cred',
      rawId: 'cred',
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        attestationObject: 'ao',
        clientDataJSON: 'cd',
        transports: ['internal', 'hybrid'],
      },
    });
  });

  it('keeps transports given under response (a toJSON() body) over the top-level ones', () => {
    const out = registrationResponse({
      id: 'c',
      rawId: 'c',
      type: 'public-key',
      response: { attestationObject: 'ao', clientDataJSON: 'cd', transports: ['usb'] },
      transports: ['internal'],
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'cross-platform',
    }) as Record<string, any>;
    expect(out.response.transports).toEqual(['usb']);
    expect(out.clientExtensionResults).toEqual({ credProps: { rk: true } });
    expect(out.authenticatorAttachment).toBe('cross-platform');
  });

  it('drops the empty user handle the SDK sends when there is none', () => {
    const base = {
      id: 'c',
      rawId: 'c',
      type: 'public-key',
      response: { clientDataJSON: 'cd', authenticatorData: 'ad', signature: 'sig', userHandle: '' },
    };
    expect((authenticationResponse(base) as any).response).toEqual({
      clientDataJSON: 'cd',
      authenticatorData: 'ad',
      signature: 'sig',
    });
    const withHandle = { ...base, response: { ...base.response, userHandle: 'aGFuZGxl' } };
    expect((authenticationResponse(withHandle) as any).response.userHandle).toBe('aGFuZGxl');
  });

  it('passes anything that is not an object on unchanged, for the validation to refuse', () => {
    expect(registrationResponse('nope')).toBe('nope');
    expect(authenticationResponse(null)).toBeNull();
    expect(authenticationResponse([1])).toEqual([1]);
  });

  it('wraps options as the SDK reads them', () => {
    expect(startEnvelope('h', { challenge: 'c' }, 't')).toEqual({
      handshake: { id: 'h', challenge: { publicKey: { challenge: 'c' } } },
      transaction_id: 't',
    });
  });
});
