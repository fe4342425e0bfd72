import fc from 'fast-check';

/**
 * Pieces of HTML built from the constructs a tokenizer gets wrong — comments, CDATA, the
 * script escape states, raw-text elements, attributes holding `>` — each script recording
 * that it ran (`__ran.push(…)`), so a browser can tell whether the page's own scripts ran.
 */
export const TRICKY_PIECES: readonly string[] = [
  '<script>__ran.push("a")</script>',
  '<script>var x = "</head>"; __ran.push("b")</script>',
  '<script>var s = "<!--<script>"; var t = "</script></head>"; __ran.push("c");</script>',
  '<script>var u = "<!--"; var v = "</script>"; __ran.push("d")</script>',
  '<style>/* </head> <body> */ a>b{}</style>',
  '<title>Why I call posthog.init( twice </head></title>',
  '<!-- </head> <body> <script> -->',
  '<![CDATA[ a > b ]]>',
  '<meta name="x" content="a>b </head>">',
  '<noscript></head></noscript>',
  '<svg><![CDATA[ </head> <body> ]]></svg>',
  '<p title="posthog.init(">data-express-posthog</p>',
  '<link rel="preload" href="/a.css" as="style">',
  '</head>',
  '<body class="a>b">',
  '<p>text é 日本</p>',
  '\n',
];

/** A document start, or none (a fragment). */
const STARTS = [
  '',
  '<!doctype html>',
  '<!DOCTYPE html><html lang="en">',
  '<html><head>',
  '<!doctype html>\n<html>\n<head>',
];

/** Random documents and fragments made of {@link TRICKY_PIECES}. */
export const trickyHtml: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...STARTS), fc.array(fc.constantFrom(...TRICKY_PIECES), { maxLength: 14 }))
  .map(([start, pieces]) => start + pieces.join(''));
