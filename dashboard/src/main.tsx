import { render } from 'preact';
import { App } from './app';
import { live } from './live';
import './style.css';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
  // Opens the live events stream before any page asks for it.
  live.subscribe([], () => {});
}
