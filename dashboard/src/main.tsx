import { render } from 'preact';
import './style.css';

function App() {
  return <h1>Sandbox · FreedomPay QA dashboard</h1>;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
