/** Connection strings may carry credentials: messages and logs show them masked. */
export const redactUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');
