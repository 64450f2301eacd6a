import React from "react";

interface Props {
  title: string;
}

/** The header. */
export function Header({ title }: Props) {
  return <h1>{title}</h1>;
}

export const Footer = () => <footer />;

export class Page extends React.Component<Props> {
  render() {
    return <Header title={this.props.title} />;
  }
}
