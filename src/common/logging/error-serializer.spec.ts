import { loggableMessage } from './error-serializer';

describe('loggableMessage', () => {
  it('drops the values a database error quotes, keeps an ordinary message', () => {
    const dbError = Object.assign(
      new Error('invalid input syntax for type uuid: "jane@example.com"'),
      {
        code: '22P02',
        severity: 'ERROR',
      },
    );
    expect(loggableMessage(dbError)).toBe('invalid input syntax for type uuid: "[REDACTED]"');
    expect(loggableMessage(new Error('timeout'))).toBe('timeout');
    expect(loggableMessage('plain')).toBe('plain');
  });
});
